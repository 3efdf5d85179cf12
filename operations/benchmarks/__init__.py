"""The benchmarks of the whole application, which read every app (as `operations` may):
`flanders_fill` adds to `referrals.benchmarks.report_fill` the people, history and messages
of `make bench-data`; `bench` requests `flanders_cases` from gunicorn
(`referrals.benchmarks.serve`). `step_subjects` makes the people and referrals `bench_step`
walks through the flow, `step_cases` times each step against a bare transaction."""
