"""The fuzz suite, small enough for CI (a few hundred cases); bench/fuzz_bench.py runs thousands.

Each case goes through the real command (merge, import-xlsx, import-json) and must end without exit 3
or a traceback, with a Chinese message when refused, the input unchanged, the supervisor's file intact
and holding everything it held before, within seconds.
"""

import random

import pytest

from tests.fuzz import corpus, harness

SEED = 20261122
COUNTS = {"db_truncated": 30, "db_flipped": 50, "db_schema": 24, "db_rows": 28, "db_cross_office": 12,
          "xlsx_bombs": 18, "docx_bombs": 32, "json_bombs": 60}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESK_HOME", str(work))  # the supervisor's computer, for every test of this module
        supervisor, a, b = harness.supervisor_file(work)
    return work, supervisor, a, b


@pytest.fixture(autouse=True)
def supervisors_computer(world, monkeypatch):
    monkeypatch.setenv("DESK_HOME", str(world[0]))


def cases(kind, world, rng):
    work, supervisor, a, b = world
    folder = work / kind
    folder.mkdir(exist_ok=True)
    count = COUNTS[kind]
    if kind == "db_truncated":
        return corpus.db_truncated(a, folder, rng, count)
    if kind == "db_flipped":
        return corpus.db_flipped(a, folder, rng, count)
    if kind == "db_schema":
        return corpus.db_schema(a, folder, rng, count)
    if kind == "db_rows":
        return corpus.db_rows(a, folder, rng, count)
    if kind == "xlsx_bombs":
        return corpus.xlsx_bombs(folder, rng, count)
    if kind == "docx_bombs":
        return corpus.docx_bombs(folder, rng, count)
    return corpus.json_bombs(harness.json_base(), folder, rng, count)


@pytest.mark.parametrize("kind", ["db_truncated", "db_flipped", "db_schema", "db_rows"])
def test_hostile_office_files_never_harm_the_supervisors_file(world, kind):
    work, supervisor, a, b = world
    results = harness.Results()
    for case in cases(kind, world, random.Random(f"{SEED}{kind}")):
        results.add(harness.run_merge(case, supervisor, work))
    tried, failed = results.by_class()[kind]
    assert tried >= COUNTS[kind] * 0.8 and failed == 0, "\n".join(results.failures()[:20])


def test_office_a_cannot_change_office_b(world):
    work, supervisor, a, b = world
    folder = work / "cross"
    folder.mkdir(exist_ok=True)
    results = harness.Results()
    for case, mine in corpus.db_cross_office(a, b, folder, random.Random(SEED), COUNTS["db_cross_office"]):
        outcome = results.add(harness.run_merge(case, supervisor, work, allowed_changes=mine))
        if "B's" in case.name:
            assert outcome.code == 1, case.name  # something was not written, and said so
    assert results.by_class()["db_cross_office"][1] == 0, "\n".join(results.failures())


@pytest.mark.parametrize("kind", ["xlsx_bombs", "docx_bombs", "json_bombs"])
def test_hostile_workbooks_documents_and_json_are_refused_in_chinese(world, kind):
    work = world[0]
    results = harness.Results()
    run = {"xlsx_bombs": harness.run_import_xlsx, "docx_bombs": harness.run_import_docx}.get(kind,
                                                                                          harness.run_import_json)
    for case in cases(kind, world, random.Random(f"{SEED}{kind}")):
        results.add(run(case, work))
    tried, failed = results.by_class()[kind]
    assert tried == COUNTS[kind] and failed == 0, "\n".join(results.failures()[:20])


def test_a_full_disk_keeps_every_save_reported_as_done(tmp_path):
    results = harness.Results()
    for k, size in enumerate((256, 512, 1024)):
        with harness.small_disk(tmp_path / f"disk{k}", size) as folder:
            if folder is None:
                pytest.skip("cannot mount a small tmpfs here (needs root)")
            results.add(harness.fill_until_full(folder, random.Random(SEED + k)))
    assert results.by_class()["disk_full"][1] == 0, "\n".join(results.failures())


@pytest.mark.parametrize("kind", ["db_rows", "db_flipped"])
def test_the_short_cuts_give_the_careful_verdict_on_hostile_files(world, kind):
    """Differential: every hostile file (and the same with its digests refitted) gets the same verdict, word for
    word, with the received file's short cuts (tables vouched for at once, snapshots not read twice) and without."""
    results = harness.Results()
    for case in cases(kind, world, random.Random(f"{SEED}{kind}diff")):
        for outcome in harness.run_short_cuts(case):
            results.add(outcome)
    tried, failed = results.by_class()["short_cuts"]
    assert tried >= COUNTS[kind] and failed == 0, "\n".join(results.failures()[:10])
