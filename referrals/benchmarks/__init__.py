"""What the benchmark commands run: runtime code, never imported from tests.

`report_fill` fills a throwaway database with set-based SQL; `report_cases` times each
report table against the bare SQL that gives the same figures. `bench_report` drives both.
`import_files` makes a legitimate file of existing trajectories and hostile ones;
`import_cases` reads and imports each in a child process and measures it. `bench_import`
drives both."""
