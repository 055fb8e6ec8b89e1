"""arrow_sus.labels.refresh / refreshed and ``arrow-sus labels refresh`` against a local FTP server serving TAB
archives written here in the documented TabWin layout: lists per dataset, field and period, the comparison with
the compiled-in lists, ranges, wildcards and duplicates, malformed lines as typed errors naming the archive,
member and line, and corrupt archives caught by the download's verification."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from remote_servers import FtpServer, build_tree
from tabwin_factory import SIH_SEXO, archive, cnv, definition
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import labels
from arrow_sus.cli import app
from arrow_sus.errors import FormatError, NotFoundError
from arrow_sus.remote import IncompleteDownloadError

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

SIH_AUX = "SIHSUS/200801_/Auxiliar"
TAB_SIH = f"{SIH_AUX}/TAB_SIH.zip"
TAB_SIH_1992 = f"{SIH_AUX}/TAB_SIH_199201-199712.zip"
SINASC_1996 = "SINASC/1996_/Auxiliar/Arq_Para_Tabulacao_A_Partir_1996.zip"
SINASC_1995 = "SINASC/1994_1995/Auxiliar/Arq_Para_Tabulacao_Ate_1995.zip"

RACA_COR = cnv(
    2,
    [
        (1, "Branca", "01"),
        (2, "Preta", "02"),
        (3, "Parda", "03"),
        (5, "Indígena", "05"),
        (6, "Sem informação", "99"),
        (7, "Outros", "06-98"),
        (8, "Inválido", "A?"),
        (9, "Branca (duplicada)", "01"),
    ],
)
RD_DEF = definition(
    "Movimento de AIH - Arquivos Reduzidos",
    "..\\DADOS\\RD*.DBC",
    [
        "XSexo,SEXO,1,..\\CNV\\SEXO.CNV",
        "SRaça/cor,RACA_COR,1,..\\CNV\\RACACOR.CNV",
        "LMunicípio de residência,MUNIC_RES,1,..\\CNV\\BR_MUNIC.CNV",
        "IValor total,VAL_TOT",
    ],
)


def sih_tree(tab_sih: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The four SIH archives: the current one (its members replaceable), 1992-1997 with its own sex codes,
    and two with nothing to read."""
    current = {
        "TAB/RD2008.DEF": RD_DEF,
        "TAB/SP2008.DEF": definition(
            "Serviços profissionais", "..\\DADOS\\SP*.DBC", ["SSexo,SEXO,1,..\\CNV\\SEXO.CNV"]
        ),
        "CNV/SEXO.CNV": SIH_SEXO,
        "CNV/RACACOR.CNV": RACA_COR,
        "CNV/BR_MUNIC.CNV": cnv(6, [(1, "Rio Branco", "120040"), (2, "Manaus", "130260")]),
    }
    old_sexo = cnv(1, [(1, "Masculino", "1"), (2, "Feminino", "3"), (3, "Ignorado", "0")])
    return {
        TAB_SIH: archive(tab_sih if tab_sih is not None else current),
        TAB_SIH_1992: archive(
            {"RD.DEF": definition("AIH 1992", "RD*.DBC", ["XSexo,SEXO,1,SEXO.CNV"]), "SEXO.CNV": old_sexo}
        ),
        f"{SIH_AUX}/TAB_SIH_199801-200307.zip": archive({"LEIAME.TXT": b"nada"}),
        f"{SIH_AUX}/TAB_SIH_200308-200712.zip": archive({"LEIAME.TXT": b"nada"}),
    }


def sinasc_tree() -> dict[str, bytes]:
    sexo = cnv(1, [(1, "Masculino", "1"), (2, "Feminino", "2"), (3, "Ignorado", "0,9")])
    nascido = definition("Nascidos vivos", "..\\DNRES\\DN*.DBC", ["XSexo,SEXO,1,SEXO.CNV"])
    return {
        SINASC_1996: archive({"NASCIDO.DEF": nascido, "SEXO.CNV": sexo}),
        SINASC_1995: archive(
            {"NASC.DEF": definition("Nascidos vivos", "DNR*.DBC", ["XSexo,SEXO,1,SEXO.CNV"]), "SEXO.CNV": sexo}
        ),
    }


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """Starts an FTP server on the given tree (cache in tmp_path/cache) and stops it afterwards."""
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    servers: list[FtpServer] = []

    def start(files: dict[str, bytes]) -> FtpServer:
        root = tmp_path / f"srv{len(servers)}"
        build_tree(root, files)
        servers.append(FtpServer(root))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def outcome(report: labels.RefreshReport, name: str) -> labels.ArchiveOutcome:
    """The outcome of the archive called `name`."""
    return next(a for a in report.archives if a.path.rsplit("/", 1)[-1] == name)


def rows_of(report: labels.RefreshReport, dataset: str, field: str, archive_path: str = TAB_SIH) -> dict[str, dict]:
    return {
        r["code"]: r
        for r in report.table.to_pylist()
        if r["dataset"] == dataset and r["field"] == field and r["archive"].endswith(archive_path)
    }


def test_refresh_compares_each_field_with_the_compiled_list_of_its_period(serve) -> None:
    server = serve(sih_tree())
    report = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    assert report.ok
    assert [a.status for a in report.archives] == ["ok"] * 4

    sexo = rows_of(report, "sih-rd", "SEXO")
    assert sexo["1"]["status"] == "same" and sexo["1"]["compiled_label"] == "masculino"
    assert sexo["3"]["status"] == "same" and sexo["3"]["tabwin_label"] == "Feminino"
    assert sexo["2"]["status"] == "only in TabWin" and sexo["2"]["compiled_label"] is None
    assert {c for c, r in sexo.items() if r["status"] == "only in TabWin"} == {"0", "2", "4", "5", "6", "7", "8", "9"}
    assert sexo["1"]["member"] == "CNV/SEXO.CNV" and sexo["1"]["compiled_list"] == "sih-sexo"

    raca = rows_of(report, "sih-rd", "RACA_COR")
    assert raca["01"]["status"] == "different label"  # the duplicate written later decides
    assert raca["01"]["tabwin_label"] == "Branca (duplicada)" and raca["01"]["line"] == 9
    assert [raca[c]["status"] for c in ("02", "03", "05", "99")] == ["same"] * 4
    assert raca["04"]["status"] == "only compiled-in" and raca["04"]["tabwin_label"] is None
    assert all(raca[f"{n:02}"]["status"] == "only in TabWin" for n in range(6, 99))  # the range, code by code
    assert raca["A?"]["status"] == "only in TabWin" and raca["A?"]["tabwin_label"] == "Inválido"
    assert not rows_of(report, "sih-rd", "MUNIC_RES")  # a reference table: compared elsewhere

    old = rows_of(report, "sih-rd", "SEXO", TAB_SIH_1992)
    assert old["1"]["compiled_list"] == "sih-sexo-0"  # the 1992-1997 list, not today's
    assert old["3"]["status"] == "same"


def test_refreshed_lists_are_stored_with_their_source(serve, tmp_path) -> None:
    server = serve(sih_tree())
    report = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    stored = tmp_path / "cache" / "labels" / "SIHSUS" / "200801_" / "Auxiliar" / "TAB_SIH.json"
    assert outcome(report, "TAB_SIH.zip").stored == stored
    doc = json.loads(stored.read_text(encoding="utf-8"))
    assert doc["format"] == "arrow-sus/tabwin-labels" and doc["archive"] == f"/dissemin/publicos/{TAB_SIH}"
    assert doc["source"] == server.url and doc["size"] == len(sih_tree()[TAB_SIH])
    assert not list(stored.parent.glob(".*.tmp"))

    sexo = labels.refreshed("sih-rd", "sexo")
    assert sexo is not None
    assert (sexo.archive, sexo.member, sexo.definition, sexo.definition_line) == (
        f"/dissemin/publicos/{TAB_SIH}",
        "CNV/SEXO.CNV",
        "TAB/RD2008.DEF",
        3,
    )
    assert (sexo.period_first, sexo.period_last, sexo.code_width, sexo.position) == (200801, None, 1, 1)
    assert [(c.code, c.last, c.kind, c.label, c.line) for c in sexo.codes] == [
        ("0", "9", "range", "Ignorado", 2),
        ("1", "1", "code", "Masculino", 3),
        ("2", "2", "code", "Feminino", 4),
        ("3", "3", "code", "Feminino", 4),
    ]
    assert len(sexo.issues) == 2 and "the entry written later decides" in sexo.issues[0]

    raca = labels.refreshed("sih-rd", "RACA_COR")
    assert any(c.kind == "wildcard" and c.code == "A?" for c in raca.codes)
    assert any('code "01"' in issue for issue in raca.issues)  # the duplicate is reported

    old = labels.refreshed("sih-rd", "SEXO", year=1995)
    assert old.archive.endswith("TAB_SIH_199201-199712.zip") and (old.period_first, old.period_last) == (199201, 199712)
    assert labels.refreshed("sih-rd", "SEXO", year=2001) is None  # the archives for 1998-2007 hold no list
    assert labels.refreshed("sih-rd", "NO_SUCH_FIELD") is None
    assert labels.refreshed("sih-rj", "SEXO") is None  # never refreshed for sih-rj


def test_lists_are_scoped_by_system_never_by_file_name(serve) -> None:
    server = serve({**sih_tree(), **sinasc_tree()})
    report = labels.refresh(source=server.url, datasets=["sih-rd", "sinasc-dn"], progress=False)
    assert report.ok
    sih, sinasc = labels.refreshed("sih-rd", "SEXO"), labels.refreshed("sinasc-dn", "SEXO")
    assert {c.code: c.label for c in sih.codes if c.kind == "code"}["3"] == "Feminino"
    assert {c.code: c.label for c in sinasc.codes}["2"] == "Feminino"
    assert sinasc.archive.endswith("A_Partir_1996.zip") and sinasc.period_first == 199600
    assert labels.refreshed("sinasc-dn", "SEXO", year=1995).archive.endswith("Ate_1995.zip")
    rows = rows_of(report, "sinasc-dn", "SEXO", SINASC_1996)
    assert rows["2"]["status"] == "same" and rows["2"]["compiled_list"] == "sinasc-sexo"
    assert rows["9"]["status"] == "only in TabWin"
    # SP2008.DEF describes sih-sp files only; nothing of it reaches sih-rd.
    assert "TAB/SP2008.DEF" in outcome(report, "TAB_SIH.zip").unmatched_definitions


def test_non_zip_archives_are_skipped_and_cid9_serves_its_own_years(serve) -> None:
    sim = definition("Óbitos", "..\\DORES\\DO*.DBC", ["XSexo,SEXO,1,SEXO.CNV"])
    files = {
        "SIM/CID10/TAB/OBITOS_CID10_TAB.zip": archive(
            {"OBITO.DEF": sim, "SEXO.CNV": cnv(1, [(1, "Masculino", "1"), (2, "Feminino", "2")])}
        ),
        "SIM/CID9/TAB/OBITOS_CID9_TAB.zip": archive({"OBITO.DEF": sim, "SEXO.CNV": cnv(1, [(1, "Homem", "1")])}),
    }
    server = serve(files)
    report = labels.refresh(source=server.url, datasets="sim-do", progress=False)
    assert outcome(report, "CNVS_CID10_v2019.rar").status == "skipped"
    assert outcome(report, "OBITOS_CID10_TAB.zip").status == "ok" and report.ok
    assert labels.refreshed("sim-do", "SEXO", year=1990).codes[0].label == "Homem"
    assert labels.refreshed("sim-do", "SEXO", year=2000).codes[0].label == "Masculino"
    assert labels.refreshed("sim-do", "SEXO").archive.endswith("OBITOS_CID10_TAB.zip")
    cid9 = rows_of(report, "sim-do", "SEXO", "OBITOS_CID9_TAB.zip")
    assert cid9["1"]["status"] == "different label" and cid9["2"]["status"] == "only compiled-in"


@pytest.mark.parametrize(
    ("member", "content", "line", "message"),
    [
        ("CNV/RACACOR.CNV", RACA_COR + b"  Parda   03\r\n", 10, "expected a category number"),
        ("CNV/RACACOR.CNV", b"RACA\r\n" + RACA_COR, 1, "expected the header"),
        ("CNV/RACACOR.CNV", cnv(2, [(1, "Branca", "01"), (2, "Longo", "123")]), 3, "longer than the code width 2"),
        ("CNV/RACACOR.CNV", cnv(2, [(1, "Branca", "09-01")]), 2, "run upwards"),
        ("CNV/RACACOR.CNV", cnv(2, [(1, "Branca", "01,,02")]), 2, "an empty code between commas"),
        ("TAB/RD2008.DEF", RD_DEF + b"SSexo,SEXO,primeira,..\\CNV\\SEXO.CNV\r\n", 7, "must be a positive number"),
        ("TAB/RD2008.DEF", RD_DEF + b"SSexo do paciente\r\n", 7, "without a DBF field"),
    ],
)
def test_malformed_lines_are_format_errors_naming_archive_member_and_line(
    serve, member, content, line, message
) -> None:
    members = {
        "TAB/RD2008.DEF": RD_DEF,
        "CNV/SEXO.CNV": SIH_SEXO,
        "CNV/RACACOR.CNV": RACA_COR,
        "CNV/BR_MUNIC.CNV": cnv(6, [(1, "Rio Branco", "120040")]),
    }
    server = serve(sih_tree({**members, member: content}))
    with pytest.raises(FormatError, match=message) as caught:
        labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    assert caught.value.path == f"TAB_SIH.zip:{member}"
    assert caught.value.line == line
    assert f"TAB_SIH.zip:{member}, line {line}" in str(caught.value)

    report = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False, errors="collect")
    assert report.ok and outcome(report, "TAB_SIH.zip").status == "ok"
    assert any(f"{member}, line {line}" in problem for problem in outcome(report, "TAB_SIH.zip").problems)


def test_a_missing_cnv_is_reported_not_fatal(serve) -> None:
    members = {"TAB/RD2008.DEF": RD_DEF, "CNV/SEXO.CNV": SIH_SEXO}
    server = serve(sih_tree(members))
    report = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    problems = outcome(report, "TAB_SIH.zip").problems
    assert any("RD2008.DEF, line 4" in p and "RACACOR.CNV is not in the archive" in p for p in problems)
    assert labels.refreshed("sih-rd", "SEXO") is not None and labels.refreshed("sih-rd", "RACA_COR") is None


def test_a_corrupt_archive_fails_the_download_verification(serve) -> None:
    files = sih_tree()
    data = bytearray(files[TAB_SIH])
    start = 30 + len("TAB/RD2008.DEF")  # the first member's deflated bytes
    data[start + 5 : start + 25] = bytes(20)
    files[TAB_SIH] = bytes(data)
    server = serve(files)
    with pytest.raises(IncompleteDownloadError) as caught:
        labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    assert "TAB_SIH.zip" in str(caught.value) and "no verified copy" in str(caught.value)
    report = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False, errors="collect")
    assert not report.ok and outcome(report, "TAB_SIH.zip").status == "error"
    assert labels.refreshed("sih-rd", "RACA_COR") is None
    assert labels.refreshed("sih-rd", "SEXO", year=1995) is not None  # the sound archives were refreshed


def test_unknown_datasets_and_bad_arguments() -> None:
    with pytest.raises(NotFoundError, match="unknown dataset"):
        labels.refresh(datasets=["sih-nope"], progress=False)
    with pytest.raises(ValueError, match="errors must be"):
        labels.refresh(datasets=["sih-rd"], errors="ignore", progress=False)  # type: ignore[arg-type]
    assert arrow_sus.labels is labels


def test_summary_counts_codes_per_status(serve) -> None:
    server = serve(sih_tree())
    summary = labels.refresh(source=server.url, datasets=["sih-rd"], progress=False).summary().to_pylist()
    sexo = next(r for r in summary if r["field"] == "SEXO" and r["archive"].endswith("TAB_SIH.zip"))
    assert (sexo["same"], sexo["different label"], sexo["only in TabWin"], sexo["only compiled-in"]) == (2, 0, 8, 0)


runner = CliRunner()


def test_cli_labels_refresh_json_and_table(serve) -> None:
    server = serve(sih_tree())
    result = runner.invoke(app, ["labels", "refresh", "--dataset", "sih-rd", "--source", server.url, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["ok"] and len(doc["archives"]) == 4
    assert any(r["field"] == "RACA_COR" and r["different label"] == 1 for r in doc["summary"])

    result = runner.invoke(app, ["labels", "refresh", "--dataset", "sih-rd", "--source", server.url])
    assert result.exit_code == 0, result.output
    assert "RACA_COR" in result.output and "SEXO" in result.output and "TAB_SIH.json" in result.output


def test_cli_exit_codes_when_archives_fail(serve) -> None:
    files = sih_tree()
    del files[TAB_SIH_1992]
    server = serve(files)
    result = runner.invoke(app, ["labels", "refresh", "--dataset", "sih-rd", "--source", server.url])
    assert result.exit_code == 1
    assert "TAB_SIH_199201-199712.zip" in result.output
    result = runner.invoke(app, ["labels", "refresh", "--dataset", "sih-rd", "--source", server.url, "--keep-going"])
    assert result.exit_code == 0
    result = runner.invoke(app, ["labels", "refresh", "--dataset", "sih-nope"])
    assert result.exit_code == 3 and "unknown dataset" in result.output


def test_stored_lists_survive_without_the_server(serve, tmp_path: Path) -> None:
    server = serve(sih_tree())
    labels.refresh(source=server.url, datasets=["sih-rd"], progress=False)
    server.stop()
    assert labels.refreshed("sih-rd", "SEXO").member == "CNV/SEXO.CNV"
