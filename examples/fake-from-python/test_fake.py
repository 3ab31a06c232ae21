"""A unittest suite against the standalone fake catalog platform, standard library only.

One fake serves the module; each test starts from a reset fake. Run from the
repository root:

    python3 -m unittest discover -s examples/fake-from-python -v
"""
import datetime
import re
import unittest

from fake import call, start_fake, stop_fake

fake = {}


def setUpModule():
    # On a fake clock that only the admin API moves, a queued job is held
    # in processing for an hour of that clock.
    proc, ready = start_fake("--fake-clock", "--job-delay", "1h", "--rate-limit", "off")
    fake.update(ready, proc=proc)


def tearDownModule():
    stop_fake(fake["proc"])


def import_products(*products, want=200):
    body = {"source_id": fake["source_id"], "merge_mode": "replace", "products": list(products)}
    return call(fake, "POST", "/api/b2b/pim/import/api", body, want=want)


def seconds(rfc3339):
    """The clock's time, RFC 3339 with up to nanoseconds, in whole seconds."""
    return datetime.datetime.fromisoformat(re.sub(r"\.\d+", "", rfc3339).replace("Z", "+00:00")).timestamp()


class FakeSuite(unittest.TestCase):
    def setUp(self):
        call(fake, "POST", "/_fake/reset")

    def test_import(self):
        answer, _ = import_products({"entity_code": "PY-1", "name": "Brass valve", "pricing": {"list": 12.5}},
                                    {"entity_code": "PY-2", "name": "Pump"})
        self.assertTrue(answer["success"])
        self.assertEqual(answer["summary"]["successful"], 2)
        stored, _ = call(fake, "GET", "/_fake/products/PY-1")
        self.assertEqual(stored["product"]["data"]["pricing"]["list"], 12.5)
        self.assertEqual(stored["product"]["version"], 1)
        requests, _ = call(fake, "GET", "/_fake/requests")
        [req] = requests["requests"]
        self.assertEqual(req["path"], "/api/b2b/pim/import/api")
        self.assertEqual(req["header"]["X-Api-Secret"], ["[redacted]"])

    def test_queued_job_runs_to_its_end_on_the_fake_clock(self):
        start, _ = call(fake, "GET", "/_fake/clock")
        self.assertTrue(start["fake"])
        body = {"source_id": fake["source_id"], "products": [{"entity_code": "PY-Q1", "name": "Queued valve"}]}
        queued, _ = call(fake, "POST", "/api/b2b/pim/import/queue", body, want=202)
        job = f"/_fake/jobs/{queued['job_id']}/wait"
        call(fake, "GET", job + "?timeout_ms=0", want=408)  # the clock has not moved: not ended
        call(fake, "GET", "/_fake/products/PY-Q1", want=404)
        idle, _ = call(fake, "POST", "/_fake/clock/advance-until-idle?timeout_ms=240000")  # real time: ample
        self.assertGreaterEqual(seconds(idle["now"]) - seconds(start["now"]), 3600, "the job delay")
        ended, _ = call(fake, "GET", job + "?timeout_ms=0")
        self.assertEqual(ended["job"]["status"], "completed")
        stored, _ = call(fake, "GET", "/_fake/products/PY-Q1")
        self.assertEqual(stored["product"]["data"]["name"], {"en": "Queued valve"})

    def test_fault(self):
        call(fake, "POST", "/_fake/faults",
             {"kind": "status", "op": "OpImportAPI", "nth": 1, "status": 503, "retry_after_ms": 2000}, want=201)
        answer, headers = import_products({"entity_code": "PY-1"}, want=503)
        self.assertEqual(answer["code"], "SERVICE_UNAVAILABLE")
        self.assertEqual(headers["Retry-After"], "2")
        state, _ = call(fake, "GET", "/_fake/state")
        self.assertEqual(state["products"], 0, "a status fault applies nothing")
        import_products({"entity_code": "PY-1"})  # the retry: only the first request was faulted
        faults, _ = call(fake, "GET", "/_fake/faults")
        self.assertEqual(faults["fired"], 1)
        self.assertEqual(call(fake, "GET", "/_fake/state")[0]["products"], 1)

    def test_stub(self):
        job = {"job_id": "queue_import_stubbed", "status": "completed", "total_rows": 3, "processed_rows": 3}
        call(fake, "POST", "/_fake/stubs", {"op": "OpGetJob", "times": 1, "body": {"job": job}}, want=201)
        answer, _ = call(fake, "GET", "/api/b2b/pim/jobs/queue_import_stubbed")
        self.assertEqual(answer, {"job": job})
        call(fake, "GET", "/api/b2b/pim/jobs/queue_import_stubbed", want=404)  # used up: no such job
        requests, _ = call(fake, "GET", "/_fake/requests")
        self.assertEqual([r["stubbed"] for r in requests["requests"]], [True, False])

    def test_reset(self):
        import_products({"entity_code": "PY-1"})
        call(fake, "POST", "/_fake/faults", {"kind": "status", "op": "OpImportAPI", "status": 500}, want=201)
        call(fake, "POST", "/_fake/stubs", {"op": "OpGetJob", "status": 404}, want=201)
        before, _ = call(fake, "GET", "/_fake/state")
        self.assertEqual((before["products"], before["faults"], before["stubs"]), (1, 1, 1))
        call(fake, "POST", "/_fake/reset")
        after, _ = call(fake, "GET", "/_fake/state")
        for count in ("products", "versions", "jobs", "requests", "faults", "stubs"):
            self.assertEqual(after[count], 0, count)
        call(fake, "GET", "/_fake/products/PY-1", want=404)
        import_products({"entity_code": "PY-1"})  # the fault went with the reset


if __name__ == "__main__":
    unittest.main()
