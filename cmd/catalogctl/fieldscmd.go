package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pimkit/catalog/importfile"
)

// fieldsCommand lists the product fields a column mapping may name.
func (a *app) fieldsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "fields",
		Short: "List the product fields that --map and --mapping may name",
		Long: `fields lists the dotted paths of the product fields a column may fill
(--map Column=path, --mapping), one a line. <lang> stands for a language code
(name.it) and <key> for a map key (attributes.it); an object such as category
is not a field: map its fields (category.name).`,
		Example: `  catalogctl fields | grep pricing`,
		Args:    exactArgs(),
		RunE: wrap(func(*cobra.Command, []string) error {
			fields := importfile.Fields()
			if a.json {
				a.emitJSON(fields)
				return nil
			}
			for _, f := range fields {
				fmt.Fprintln(a.stdout, f)
			}
			return nil
		}),
	}
}
