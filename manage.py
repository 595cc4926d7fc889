#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangxin.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as exc:
        from liangxin.core import busy

        if not busy.is_lock_timeout(exc):
            raise
        # A census import is writing and held the database longer than a command waits.
        sys.stderr.write(busy.message() + "\n")
        sys.exit(busy.EXIT_BUSY)


if __name__ == "__main__":
    main()
