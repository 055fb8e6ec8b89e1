"""CNES: what kinds of health establishments does Acre have (January 2024), and how many serve SUS?
CNES: que tipos de estabelecimentos de saúde o Acre tem (janeiro de 2024), e quantos atendem o SUS?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# The most common unit types (TP_UNID) of the CNES table of establishment types.
# Os tipos de unidade (TP_UNID) mais comuns da tabela de tipos de estabelecimento do CNES.
UNIT_TYPES = {
    "01": "posto de saúde",
    "02": "centro de saúde / UBS",
    "05": "hospital geral",
    "22": "consultório isolado",
    "36": "clínica / centro de especialidade",
    "39": "unidade de apoio diagnose e terapia",
    "43": "farmácia",
    "50": "unidade de vigilância em saúde",
    "70": "CAPS",
    "74": "polo academia da saúde",
}
# labels=True: VINC_SUS (link with SUS) comes as its label from the data dictionary, "Sim" or "Não".
# labels=True: VINC_SUS (vínculo com o SUS) vem com o seu rótulo do dicionário de dados, "Sim" ou "Não".
establishments = arrow_sus.scan(
    "cnes-st", uf="AC", year=2024, month=1, columns=["TP_UNID", "VINC_SUS"], labels=True
).to_polars()

kinds = (
    establishments.with_columns(kind=pl.col("TP_UNID").replace_strict(UNIT_TYPES, default="outros"))
    .group_by("kind")
    .agg(total=pl.len(), sus=(pl.col("VINC_SUS").cast(str) == "Sim").sum())
    .sort("total", descending=True)
)
print(f"{establishments.height:,} establishments, {kinds['sus'].sum():,} with SUS")
print(kinds)

fig, ax = plt.subplots(figsize=(7, 3.6))
ax.barh(kinds["kind"].to_list()[::-1], kinds["total"].to_list()[::-1], label="all / todos")
ax.barh(kinds["kind"].to_list()[::-1], kinds["sus"].to_list()[::-1], label="SUS")
ax.set_xlabel("establishments / estabelecimentos")
ax.set_title("CNES-ST, Acre, 2024-01: establishments by type")
ax.legend()
