"""The real peers of `dmsflow validate` for make bench-validate: install, run, parse."""
