// Package benchhook lets this module's benchmarks reach the parts of
// catalog and catalogtest that are not their public API.
package benchhook

// CountOnly returns catalogtest's count-only option, a catalogtest.Option
// held in an any, for the benchmarks that send millions of products:
//
//	srv := catalogtest.NewServer(benchhook.CountOnly().(catalogtest.Option))
//
// The server then reads each import body as a stream and counts its rows
// instead of storing them. catalogtest sets CountOnly when it is
// initialized, so it is nil in a program that does not import catalogtest.
var CountOnly func() any
