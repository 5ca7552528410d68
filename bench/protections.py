"""Remove each protection once and show which test catches it (issue 8's closing proof).

For every protection below, a copy of `src/`, `tests/` and `bench/` is made in a temporary folder, the
protection is removed with one small source edit, and only the tests named for it run against
the copy (PYTHONPATH puts the copy first). A protection counts as proven when at least one of
its tests fails. The edits are exact text replacements: if the code moves and an edit no longer
applies, the run says so instead of testing unmodified code.

    python bench/protections.py [--only NAME ...] [--file PATH ...] [--baseline] [--markdown]

`--baseline` first runs each test set on the unmodified copy (they must pass), so a failure
under the edit is known to come from the edit. Exit status 1 if any protection went uncaught.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Protection:
    """One protection: the issue item it serves, how to remove it, the tests that must notice."""

    item: str
    name: str
    file: str
    edits: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]


R = "tests/test_reliability.py::"
I = "tests/test_ingest.py::"  # noqa: E741
W = "tests/test_web_api.py::"
C = "tests/test_web_compute.py::"
T = "tests/test_sources_contract.py::"

PROTECTIONS: tuple[Protection, ...] = (
    Protection(
        "1 faults",
        "sync writes a private copy, renamed over the warehouse",
        "src/corridor/store/warehouse.py",
        (
            ('tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")', "tmp = target"),
            ("                shutil.copyfile(target, tmp)", "                pass"),
            ("                _unlink(tmp)\n", "                pass\n"),
        ),
        (R + "test_kill_at_twenty_random_points", R + "test_disk_full_leaves_previous_state"),
    ),
    Protection(
        "1 faults",
        "files re-checksummed after parsing (a file changed mid-read)",
        "src/corridor/ingest.py",
        (("                _check_unchanged(fetched[src.id], sums)\n", "                pass\n"),),
        (I + "test_file_changing_during_sync_is_refused",),
    ),
    Protection(
        "1 faults",
        "download timeout",
        "src/corridor/fetch.py",
        (("return httpx.Timeout(seconds, connect=min(10.0, seconds))", "return httpx.Timeout(None)"),),
        (I + "test_slow_server_times_out",),
    ),
    Protection(
        "1 faults",
        "bounded download retries",
        "src/corridor/fetch.py",
        (("for attempt in range(RETRIES):", "for attempt in range(1):"),),
        (I + "test_response_cut_short_is_retried",),
    ),
    Protection(
        "1 faults",
        "HTML page instead of the data file is refused",
        "src/corridor/fetch.py",
        (('if "text/html" in ctype and', "if False and"),),
        (I + "test_html_instead_of_csv_is_refused",),
    ),
    Protection(
        "1 faults",
        "download size cap",
        "src/corridor/fetch.py",
        (("                if size > spec.max_bytes:\n", "                if False:\n"),),
        (I + "test_download_over_the_size_cap_is_refused",),
    ),
    Protection(
        "1 faults",
        "a changed checksum is a new release, not an overwrite",
        "src/corridor/ingest.py",
        (('return f"{dataset}/{file_key}@{sha256[:12]}"', 'return f"{dataset}/{file_key}"'),),
        (I + "test_changed_file_is_a_new_release",),
    ),
    Protection(
        "1 faults",
        "parse workers die with a killed sync",
        "src/corridor/ingest.py",
        (("    die_with_parent(parent)\n", "    pass\n"),),
        (R + "test_killed_sync_leaves_no_parse_workers",),
    ),
    Protection(
        "2 concurrency",
        "readers see the old or the new file, never a half-written one",
        "src/corridor/store/warehouse.py",
        (
            ('tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")', "tmp = target"),
            ("                shutil.copyfile(target, tmp)", "                pass"),
            ("                _unlink(tmp)\n", "                pass\n"),
        ),
        (R + "test_readers_see_old_or_new_never_a_mix",),
    ),
    Protection(
        "3 hostile input",
        "worksheet extent cap (calamine aborts on a far stray cell)",
        "src/corridor/sources/base.py",
        (("    guard_sheets(path)\n", "    pass\n"),),
        (R + "test_sheet_with_a_far_stray_cell_is_refused",),
    ),
    Protection(
        "3 hostile input",
        "zip bomb cap on workbooks",
        "src/corridor/sources/base.py",
        (("    guard_zip(path)\n", "    pass\n"),),
        (R + "test_zip_bomb_workbook_is_refused",),
    ),
    Protection(
        "3 hostile input",
        "Parquet unpacked-size cap",
        "src/corridor/sources/base.py",
        (("    if size > max_bytes:\n", "    if False:\n"),),
        (R + "test_parquet_over_the_cap_is_refused",),
    ),
    Protection(
        "3 hostile input",
        "CSV parser errors become located InputErrors",
        "src/corridor/sources/base.py",
        (("    except pd.errors.ParserError as exc:", "    except ZeroDivisionError as exc:"),),
        ("tests/test_fuzz_sources.py::test_read_csv_and_columns_raise_only_input_errors",),
    ),
    Protection(
        "3 hostile input",
        "infinite numbers refused",
        "src/corridor/sources/base.py",
        (
            (
                "    if (i := _first_row(np.isinf(values), codes)) is not None:",
                "    if (i := _first_row(np.isinf(values) & False, codes)) is not None:",
            ),
        ),
        ("tests/test_fuzz_sources.py::test_read_csv_and_columns_raise_only_input_errors",),
    ),
    Protection(
        "3 hostile input",
        "web: user errors answer 422, never 500",
        "src/corridor/web/app.py",
        (("    @app.exception_handler(CorridorError)", "    @app.exception_handler(ZeroDivisionError)"),),
        ("tests/test_web_fuzz.py",),
    ),
    Protection(
        "3 hostile input",
        "web: no file paths in parameters",
        "src/corridor/web/params.py",
        ((r'        if re.search(r"[/\\]|^[~.]", text):', "        if False:"),),
        (W + "test_no_file_paths_over_the_web",),
    ),
    Protection(
        "4 web hardening",
        "binds to loopback unless --public",
        "src/corridor/commands/serve.py",
        (("        return PUBLIC if public else LOOPBACK", "        return PUBLIC"),),
        (W + "test_serve_binds_loopback_unless_public",),
    ),
    Protection(
        "4 web hardening",
        "content security policy header",
        "src/corridor/web/security.py",
        (('    (b"content-security-policy", CSP.encode()),\n', ""),),
        (W + "test_headers_on_every_kind_of_response",),
    ),
    Protection(
        "4 web hardening",
        "request size limits",
        "src/corridor/web/security.py",
        (('        if len(scope.get("query_string", b"")) > MAX_QUERY:', "        if False:"),),
        (W + "test_request_limits",),
    ),
    Protection(
        "4 web hardening",
        "request time limit",
        "src/corridor/web/security.py",
        (
            (
                "            async with asyncio.timeout(self.timeout):\n",
                "            async with asyncio.timeout(None):\n",
            ),
        ),
        (W + "test_slow_answers_time_out_cleanly",),
    ),
    Protection(
        "4 web hardening",
        "answer cache bounded by entries",
        "src/corridor/web/state.py",
        (
            (
                "len(self.cache) > self.cache_size or self.cache_bytes > self.cache_max_bytes",
                "self.cache_bytes > self.cache_max_bytes",
            ),
        ),
        ("tests/test_web_cache.py::test_bounded_by_entries_least_recently_used_out",),
    ),
    Protection(
        "4 web hardening",
        "answer cache bounded by bytes",
        "src/corridor/web/state.py",
        (
            (
                "len(self.cache) > self.cache_size or self.cache_bytes > self.cache_max_bytes",
                "len(self.cache) > self.cache_size",
            ),
        ),
        ("tests/test_web_cache.py::test_bounded_by_bytes",),
    ),
    Protection(
        "4 web hardening",
        "cached answers keyed by warehouse release (a new sync invalidates them)",
        "src/corridor/web/state.py",
        (("        if cur is None or (fkey is not None and cur.key != fkey):", "        if cur is None:"),),
        ("tests/test_web_cache.py::test_a_new_sync_invalidates_the_cache",),
    ),
    Protection(
        "4 web hardening",
        "identical concurrent requests compute once",
        "src/corridor/web/state.py",
        (("            leader = flight is None\n", "            leader = True  # everyone computes\n"),),
        ("tests/test_web_cache.py::test_identical_concurrent_requests_compute_once",),
    ),
    Protection(
        "5 load",
        "each request reads through its own DuckDB cursor",
        "src/corridor/web/state.py",
        (("            yield version, twin\n", "            yield version, version.obs\n"),),
        ("tests/test_web_soak.py::test_short_soak_has_no_errors_and_no_growth[server-threads]",),
    ),
    Protection(
        "2 concurrency",
        "compute workers answer only for the warehouse state the request leased",
        "src/corridor/web/compute.py",
        (
            (
                "    if file_key(path) != key:\n        return None\n"
                "    obs = open_observatory(path, obs_class)\n",
                "    obs = open_observatory(path, obs_class)\n",
            ),
            ("    if file_key(path) != key:  # replaced", "    if False:  # replaced"),
        ),
        (C + "test_a_replaced_file_is_never_answered_for_the_old_lease",),
    ),
    Protection(
        "5 load",
        "new flows questions are computed before analyses",
        "src/corridor/web/compute.py",
        (
            (
                "                if self._flows:\n"
                "                    task = self._flows.popleft()\n"
                "                elif not flows_only:\n"
                "                    task = self._pick()\n",
                "                if not flows_only:\n"
                "                    task = self._pick()\n"
                "                if task is None and self._flows:\n"
                "                    task = self._flows.popleft()\n",
            ),
        ),
        (C + "test_flows_questions_go_first",),
    ),
    Protection(
        "5 load",
        "a compute worker that died between questions is replaced before the next",
        "src/corridor/web/compute.py",
        (
            (
                "            if conn is None or not self._procs[index].is_alive():",
                "            if conn is None:",
            ),
        ),
        (C + "test_a_dead_worker_is_replaced",),
    ),
    Protection(
        "5 load",
        "a question that kills its worker is a 503, and the server goes on",
        "src/corridor/web/app.py",
        (
            ("    @app.exception_handler(WorkerStopped)\n", ""),
            ("    async def stopped(", "    async def _unused("),
        ),
        (C + "test_a_worker_dying_mid_question_is_a_503",),
    ),
    Protection(
        "5 load",
        "compute workers that cannot start leave the server computing itself",
        "src/corridor/web/app.py",
        (
            (
                "            except (ValueError, RuntimeError) as exc:",
                "            except ZeroDivisionError as exc:",
            ),
        ),
        (C + "test_workers_that_cannot_start_leave_the_server_computing_itself",),
    ),
    Protection(
        "6 reproducibility",
        "simulations draw from the seeded generator",
        "src/corridor/simulate/pathways.py",
        (("    rng = np.random.default_rng(seed)", "    rng = np.random.default_rng()"),),
        (R + "test_same_warehouse_same_seed_same_bytes",),
    ),
    Protection(
        "6 reproducibility",
        "pyfixest's fixed effects in a fixed order (not the process's string-hash order)",
        "src/corridor/analysis/fixest.py",
        (("    _model_matrix._encode_fixed_effects = _sorted_terms(_encode)", "    pass"),),
        (
            R + "test_same_warehouse_same_seed_same_bytes[drivers]",
            R + "test_same_warehouse_same_seed_same_bytes[evaluate-did]",
        ),
    ),
    Protection(
        "6 reproducibility",
        "the report's only timestamp is the pinned generation time",
        "src/corridor/report/builder.py",
        (
            (
                'stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")',
                'stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")',
            ),
        ),
        ("tests/test_report.py::test_same_warehouse_same_report",),
    ),
)

# Issue 19 (hardening, round two): the sync/ingest side and the YAML loader.
ROUND_TWO: tuple[Protection, ...] = (
    Protection(
        "19.1 lock",
        "one sync at a time: a second exits 3 (or waits with --wait)",
        "src/corridor/store/warehouse.py",
        (("                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n", "                pass\n"),),
        (R + "test_two_syncs_at_once_never_lose_one",),
    ),
    Protection(
        "19.4 plausible",
        "no month or fiscal year after today or the file's publication date",
        "src/corridor/sources/base.py",
        (
            ("    if latest > limit:  # locate", "    if False:  # locate"),
            ("    if (values > last).any():", "    if False:"),
        ),
        (I + "test_implausible_rows_are_refused", I + "test_months_after_today_are_refused"),
    ),
    Protection(
        "19.4 plausible",
        "no fiscal year before the series' known start",
        "src/corridor/sources/base.py",
        (("    if (values < first).any():", "    if False:"),),
        (I + "test_implausible_rows_are_refused",),
    ),
    Protection(
        "19.4 plausible",
        "state codes from the reference list only",
        "src/corridor/sources/base.py",
        (
            (
                '    return map_column(table, column, state_code, "US state code")',
                "    return table.frame[column].astype(str).str.strip().str.upper().astype(object)",
            ),
        ),
        (I + "test_implausible_rows_are_refused",),
    ),
    Protection(
        "19.4 plausible",
        "row ceiling per file, checked before parsing",
        "src/corridor/sources/base.py",
        (("    if rows > ceiling_rows:", "    if False:"),),
        (I + "test_a_file_ten_times_its_published_size_is_refused_before_parsing",),
    ),
    Protection(
        "19.6 yaml",
        "no YAML aliases or anchors (billion laughs, anchor-bombed title)",
        "src/corridor/safeyaml.py",
        (
            ("        if self.check_event(yaml.AliasEvent):", "        if False:"),
            ('        if getattr(event, "anchor", None):', "        if False:"),
        ),
        (
            R + "test_hostile_yaml_through_the_cli[billion_laughs-track]",
            R + "test_hostile_yaml_through_the_cli[anchor_bombed_title-scenario]",
        ),
    ),
    Protection(
        "19.6 yaml",
        "YAML integers of at most 18 digits",
        "src/corridor/safeyaml.py",
        (("        if len(digits) > MAX_INT_DIGITS:", "        if False:"),),
        (
            R + "test_hostile_yaml_through_the_cli[int_5000_digits-track]",
            R + "test_hostile_yaml_through_the_cli[int_5000_digits-scenario]",
        ),
    ),
    Protection(
        "19.6 yaml",
        "YAML nesting depth bounded",
        "src/corridor/safeyaml.py",
        (("        if self._depth > MAX_DEPTH:", "        if False:"),),
        (
            R + "test_hostile_yaml_through_the_cli[nested_100000-track]",
            R + "test_hostile_yaml_through_the_cli[nested_100000-scenario]",
        ),
    ),
    Protection(
        "19.7 failures",
        "the temporary copy is made inside the try/finally",
        "src/corridor/store/warehouse.py",
        (
            ("            if target.exists():\n                shutil.copyfile(target, tmp)\n", ""),
            (
                "        con: duckdb.DuckDBPyConnection | None = None\n",
                "        if target.exists():\n            shutil.copyfile(target, tmp)\n"
                "        con: duckdb.DuckDBPyConnection | None = None\n",
            ),
        ),
        (R + "test_disk_full_ends_in_one_sentence_and_leaves_nothing[copy_fails]",),
    ),
    Protection(
        "19.7 failures",
        "SIGTERM removes the copy and ends in one sentence",
        "src/corridor/ingest.py",
        (
            (
                "    previous = signal.signal(signal.SIGTERM, handler)",
                "    previous = signal.getsignal(signal.SIGTERM)",
            ),
        ),
        (R + "test_sigterm_removes_the_copy_and_says_so",),
    ),
    Protection(
        "19.7 failures",
        "every sync (a no-change one too) removes copies of dead syncs",
        "src/corridor/ingest.py",
        (
            (
                "        wh.clean_stale()  # copies of killed syncs go on every sync",
                "        pass  #",
            ),
        ),
        (R + "test_every_sync_removes_copies_of_dead_syncs",),
    ),
    Protection(
        "19.7 failures",
        "a full disk ends in one sentence",
        "src/corridor/ingest.py",
        (
            (
                "        except OSError as exc:\n            raise WarehouseError(",
                "        except ZeroDivisionError as exc:\n            raise WarehouseError(",
            ),
            ("        except duckdb.Error as exc:", "        except ZeroDivisionError as exc:"),
        ),
        (R + "test_disk_full_ends_in_one_sentence_and_leaves_nothing",),
    ),
    Protection(
        "19.7 failures",
        "a worker killed for memory (BrokenProcessPool) ends in one sentence",
        "src/corridor/ingest.py",
        (
            (
                "        except (BrokenProcessPool, MemoryError, duckdb.OutOfMemoryException):",
                "        except (MemoryError, duckdb.OutOfMemoryException):",
            ),
        ),
        (R + "test_a_worker_killed_for_memory_ends_in_one_sentence",),
    ),
    Protection(
        "19.7 failures",
        "Ctrl-C during COMMIT: exit 130 and one sentence",
        "src/corridor/cli.py",
        (("    except KeyboardInterrupt:\n", "    except ZeroDivisionError:\n"),),
        (R + "test_ctrl_c_during_commit_ends_in_one_sentence",),
    ),
    Protection(
        "19.7 failures",
        "DuckDB's 'Query interrupted' is a Ctrl-C too (exit 130, one sentence)",
        "src/corridor/ingest.py",
        (('            if "interrupted" in str(exc).lower():', "            if False:"),),
        (R + "test_ctrl_c_during_commit_ends_in_one_sentence[duckdb_query_interrupted]",),
    ),
    Protection(
        "19.7 failures",
        "parse workers leave Ctrl-C to the sync (no worker tracebacks)",
        "src/corridor/ingest.py",
        (("    signal.signal(signal.SIGINT, signal.SIG_IGN)\n", ""),),
        (R + "test_ctrl_c_during_a_sync_ends_in_one_sentence",),
    ),
    Protection(
        "19.7 failures",
        "a --db that is not a DuckDB file is refused untouched",
        "src/corridor/store/warehouse.py",
        (("        if head and head[8:12] != DUCKDB_MAGIC:", "        if False:"),),
        (R + "test_a_db_that_is_not_duckdb_is_refused_untouched",),
    ),
    Protection(
        "19.7 failures",
        "a symlinked --db is written through to its target",
        "src/corridor/store/warehouse.py",
        (("        return Path(os.path.realpath(self.path))", "        return self.path"),),
        (R + "test_a_symlinked_db_is_written_through",),
    ),
    Protection(
        "19.8 labels",
        "an unknown label names the reference table and key to extend",
        "src/corridor/sources/base.py",
        (('    hint = f"; {exc.hint}" if isinstance(exc, UnknownLabel) else ""', '    hint = ""'),),
        (I + "test_an_unknown_label_says_where_to_add_it_and_how_to_load_the_rest",),
    ),
    Protection(
        "19.8 labels",
        "a bad file's error suggests --skip for the other datasets",
        "src/corridor/ingest.py",
        (
            (
                "    except InputError as exc:\n        raise InputError(",
                "    except ZeroDivisionError as exc:\n        raise InputError(",
            ),
        ),
        (I + "test_an_unknown_label_says_where_to_add_it_and_how_to_load_the_rest",),
    ),
    Protection(
        "19.8 labels",
        "sync --skip leaves the named datasets out",
        "src/corridor/ingest.py",
        (("    chosen = [s for s in chosen if s.id not in set(skip or [])]\n", ""),),
        (I + "test_an_unknown_label_says_where_to_add_it_and_how_to_load_the_rest",),
    ),
    Protection(
        "19.8 labels",
        "a label mapped by assumption is listed in status, never silent",
        "src/corridor/reference/countries.py",
        (("        note_assumed(\n", "        (\n"),),
        (I + "test_a_label_mapped_by_assumption_is_listed_in_status",),
    ),
)
PROTECTIONS += ROUND_TWO

E = "tests/test_web_errors.py::"
S = "tests/test_web_server.py::"  # a real `corridor serve` in a child process: about a minute a run
H = "tests/test_web_headers.py::"

# Issue 19, the web side: findings 2 (headers), 3 (no files, no foreign Host), 5 (bounded work).
WEB_ROUND_TWO: tuple[Protection, ...] = (
    Protection(
        "19.2 headers",
        "a CSV download's source header goes through the sanitiser (not cut at 900 characters)",
        "src/corridor/web/api.py",
        (
            (
                '            "x-corridor-source": header_value(caption),',
                '            "x-corridor-source": caption[:900],',
            ),
        ),
        (
            "tests/test_web_limits.py::test_every_download_caption_is_sent",
            "tests/test_web_limits.py::test_any_caption_is_sent",
            S + "test_csv_downloads_answer",
        ),
    ),
    Protection(
        "19.2 headers",
        "header values have no space at either end",
        "src/corridor/web/security.py",
        (
            (
                r'    s = re.sub(r"[\x00-\x20\x7f]+", " ", s).strip()',
                r'    s = re.sub(r"[\x00-\x20\x7f]+", " ", s)',
            ),
        ),
        (H + "test_any_text_becomes_a_sendable_header", H + "test_the_failing_captions_of_the_finding"),
    ),
    Protection(
        "19.2 headers",
        "header values are ASCII without control characters",
        "src/corridor/web/security.py",
        (
            ('    s = s.encode("ascii", "ignore").decode("ascii")\n', ""),
            (
                r'    s = re.sub(r"[\x00-\x20\x7f]+", " ", s).strip()',
                r'    s = re.sub(r"[ ]+", " ", s).strip()',
            ),
        ),
        (H + "test_any_text_becomes_a_sendable_header", H + "test_spaces_controls_and_typography"),
    ),
    Protection(
        "19.2 headers",
        "header values are cut at a word boundary to their limit",
        "src/corridor/web/security.py",
        (("    if len(s) <= limit:\n        return s\n", "    if True:\n        return s\n"),),
        (H + "test_the_failing_captions_of_the_finding", H + "test_any_text_becomes_a_sendable_header"),
    ),
    Protection(
        "19.3 no files",
        "file parameters take only the ids of shipped files over HTTP",
        "src/corridor/web/verbs.py",
        (('        return "choice", (), "file"', '        return "text", (), "text"'),),
        (E + "test_files_over_http_only_by_the_id_of_a_shipped_file",),
    ),
    Protection(
        "19.3 no files",
        "a foreign Host header gets 400 (HostCheck)",
        "src/corridor/web/app.py",
        (("    app.add_middleware(HostCheck, hosts=list(hosts or LOOPBACK_HOSTS))\n", ""),),
        (E + "test_a_foreign_host_gets_400",),
    ),
    Protection(
        "19.3 no files",
        "a loopback server allows only loopback Host names (this machine's names need --public)",
        "src/corridor/commands/serve.py",
        (
            (
                "    if public:\n        hosts += [socket.gethostname()",
                "    if True:\n        hosts += [socket.gethostname()",
            ),
        ),
        (E + "test_a_foreign_host_gets_400",),
    ),
    Protection(
        "19.5 bounded",
        "origins of a backtest at most 60",
        "src/corridor/web/verbs.py",
        (('    "origins": (1, 60),', '    "origins": (1, 100_000),'),),
        (E + "test_every_number_and_list_has_a_documented_bound_that_holds",),
    ),
    Protection(
        "19.5 bounded",
        "every numeric parameter has a range, enforced in the one validation path",
        "src/corridor/web/verbs.py",
        (
            (
                "    return Annotated[tp, Field(ge=lo_, le=hi_, allow_inf_nan=False) if tp is float "
                "else Field(ge=lo_, le=hi_)]",
                "    return tp",
            ),
        ),
        (E + "test_every_number_and_list_has_a_documented_bound_that_holds",),
    ),
    Protection(
        "19.5 bounded",
        "every list parameter has a maximum length",
        "src/corridor/web/params.py",
        (
            (
                "    return Annotated[list[item], Field(max_length=max_items)] | None",
                "    return list[item] | None",
            ),
            ("        if len(out) > MAX_ITEMS:\n", "        if False:\n"),
        ),
        (E + "test_every_number_and_list_has_a_documented_bound_that_holds",),
    ),
    Protection(
        "19.5 bounded",
        "a given-up question's worker is stopped and replaced",
        "src/corridor/web/compute.py",
        (
            (
                "                if task.cancel is not None and task.cancel.is_set():\n"
                "                    log.warning(",
                "                if False:\n                    log.warning(",
            ),
        ),
        (C + "test_a_timed_out_request_stops_its_computation",),
    ),
    Protection(
        "19.5 bounded",
        "a request past the time limit gives its computation up",
        "src/corridor/web/security.py",
        (("            ctx.cancel.set()  # the computation behind it stops", "            pass  #"),),
        (C + "test_a_request_that_times_out_stops_its_computation_api_and_page",),
    ),
    Protection(
        "19.5 bounded",
        "page routes compute in the same worker pool as the API",
        "src/corridor/web/views/analysis.py",
        (
            (
                "from corridor.web.api import PREFIX, shown_for, vocabularies",
                "from corridor.web.api import PREFIX, shown_for, verb_shown, vocabularies",
            ),
            (
                "        answer = shown_for(version, obs, verb, kwargs)  # in the API's worker pool",
                "        answer = verb_shown(obs, verb.name, kwargs)  #",
            ),
        ),
        (C + "test_a_request_that_times_out_stops_its_computation_api_and_page",),
    ),
    Protection(
        "19.5 bounded",
        "a client with too many analyses in progress gets 429",
        "src/corridor/web/compute.py",
        (("            if self._counts[client] >= self.limit:", "            if False:"),),
        (E + "test_a_client_has_a_limited_number_of_analyses_in_progress",),
    ),
    Protection(
        "19.5 bounded",
        "an analysis that would wait past its time limit is refused at once (503, Retry-After)",
        "src/corridor/web/compute.py",
        (("        wait = self._expected_start(client, now)\n", "        wait = None\n"),),
        (
            "tests/test_web_queue.py::test_an_analysis_that_would_wait_past_its_time_limit_is_refused_at_once",
            "tests/test_web_queue.py::test_a_refused_analysis_is_a_503_with_retry_after_api_and_page",
        ),
    ),
    Protection(
        "19.5 bounded",
        "a request's given-up computation leaves the queue without polling (cancel callbacks)",
        "src/corridor/web/compute.py",
        (
            (
                "            undo = add_callback(lambda: self._withdraw(task))\n",
                "            undo = add_callback(lambda: None)\n",
            ),
        ),
        ("tests/test_web_queue.py::test_an_analysis_that_would_wait_past_its_time_limit_is_refused_at_once",),
    ),
    Protection(
        "19.5 bounded",
        "request headers must arrive within the header time limit (408)",
        "src/corridor/web/server.py",
        (
            (
                "        self._header_timer = self.loop.call_later("
                "self.header_timeout, self._headers_too_slow)",
                "        self._header_timer = None",
            ),
        ),
        (S + "test_slow_headers_are_cut",),
    ),
    Protection(
        "19.5 bounded",
        "one client address holds a bounded number of connections",
        "src/corridor/web/server.py",
        (
            (
                "            cls.open_by_client[host] >= self.client_connections\n            or len(",
                "            len(",
            ),
        ),
        (S + "test_300_slow_sockets_leave_other_clients_answered",),
    ),
    Protection(
        "19.5 bounded",
        "the server holds a bounded number of connections in all",
        "src/corridor/web/server.py",
        (("            or len(self.connections) > self.max_connections\n", ""),),
        (S + "test_the_server_holds_a_bounded_number_of_connections",),
    ),
    Protection(
        "19 soak",
        "a repeated question answered before routing still passes the Host check and gets the headers",
        "src/corridor/web/app.py",
        (
            (
                "    app.add_middleware(RepeatMiddleware, warehouse=warehouse, repeats=repeats, "
                "respond=api.json_response)\n",
                "",
            ),
            (
                "    app.add_middleware(Limits, timeout=timeout)\n",
                "    app.add_middleware(Limits, timeout=timeout)\n"
                "    app.add_middleware(RepeatMiddleware, warehouse=warehouse, repeats=repeats, "
                "respond=api.json_response)\n",
            ),
        ),
        ("tests/test_web_repeat.py::test_a_repeated_question_still_passes_the_host_check",),
    ),
)
PROTECTIONS += WEB_ROUND_TWO


def _copy_tree(dest: Path) -> None:
    for part in ("src", "tests", "bench"):
        shutil.copytree(ROOT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _apply(root: Path, p: Protection) -> str | None:
    """Apply the edits; the reason if one does not apply exactly once."""
    path = root / p.file
    text = path.read_text()
    for old, new in p.edits:
        if text.count(old) != 1:
            return f"edit does not apply ({text.count(old)} matches for {old.strip()[:60]!r})"
        text = text.replace(old, new)
    path.write_text(text)
    return None


def _pytest(root: Path, tests: tuple[str, ...], timeout: float) -> tuple[bool, str]:
    """(passed, last lines) of the named tests run against the copy."""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.setdefault("CORRIDOR_TEST_DATA", str(ROOT.parent / "shared" / "data"))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *tests]
    try:
        res = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s (a hang counts as caught)"
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    summary = lines[-1] if lines else res.stderr[-300:]
    failed = [ln for ln in lines if ln.startswith(("FAILED ", "ERROR tests/"))]
    return res.returncode == 0, (failed[0] if failed else summary)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="substrings of protection names to run")
    parser.add_argument(
        "--file", nargs="*", help="substrings of the edited file's path (e.g. corridor/web/ commands/serve)"
    )
    parser.add_argument("--baseline", action="store_true", help="check each test set passes unmodified")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per test run")
    parser.add_argument("--markdown", action="store_true", help="print the results as a Markdown table")
    args = parser.parse_args()
    chosen = [
        p
        for p in PROTECTIONS
        if (not args.only or any(o in p.name for o in args.only))
        and (not args.file or any(f in p.file for f in args.file))
    ]
    rows = []
    uncaught = 0
    for p in chosen:
        with tempfile.TemporaryDirectory(prefix="protect-") as tmp:
            root = Path(tmp)
            _copy_tree(root)
            if args.baseline:
                ok, detail = _pytest(root, p.tests, args.timeout)
                if not ok:
                    rows.append((p, "BASELINE FAILS", detail, 0.0))
                    uncaught += 1
                    print(f"[baseline fails] {p.name}: {detail}", flush=True)
                    continue
            problem = _apply(root, p)
            if problem:
                rows.append((p, "NOT APPLIED", problem, 0.0))
                uncaught += 1
                print(f"[not applied] {p.name}: {problem}", flush=True)
                continue
            started = time.monotonic()
            passed, detail = _pytest(root, p.tests, args.timeout)
            verdict = "MISSED" if passed else "caught"
            uncaught += passed
            rows.append((p, verdict, detail, time.monotonic() - started))
            print(f"[{verdict}] {p.item} | {p.name} | {detail}", flush=True)
    if args.markdown:
        print("\n| item | protection removed | tests run | result | what failed |")
        print("|---|---|---|---|---|")
        for p, verdict, detail, _ in rows:
            names = ", ".join(t.split("::")[-1] if "::" in t else t for t in p.tests)
            print(f"| {p.item} | {p.name} | {names} | {verdict} | {detail.replace('|', '/')[:160]} |")
    print(f"\n{len(rows) - uncaught} of {len(rows)} removed protections caught by a test")
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
