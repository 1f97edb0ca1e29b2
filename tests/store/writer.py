"""A separate process that keeps saving one project; prints each committed revision.

Usage: python writer.py FILE.db COUNT
"""

import sys
from dataclasses import replace

from desk.store import Store
from tests.helpers import good_project


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2])
    store = Store.open(path, readonly=False)
    projects = store.projects()
    project = projects[0] if projects else good_project()
    for _ in range(count):
        project = store.save_project(replace(project, usage=f"第 {project.revision + 1} 次保存"))
        sys.stdout.write(f"{project.revision}\n")
        sys.stdout.flush()
    store.close()


if __name__ == "__main__":
    main()
