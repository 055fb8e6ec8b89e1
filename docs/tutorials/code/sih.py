"""SIH: which ICD-10 chapters put people in hospital in Acre, January 2024, and what did they cost?
SIH: quais capítulos da CID-10 mais internaram no Acre em janeiro de 2024, e a que custo?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# One month of hospital admissions (AIH), four columns: nothing else is decoded.
# Um mês de internações (AIH), quatro colunas: nada mais é decodificado.
admissions = arrow_sus.scan(
    "sih-rd", uf="AC", year=2024, month=1, columns=["DIAG_PRINC", "SEXO", "DIAS_PERM", "VAL_TOT"]
)
# The ICD-10 chapter of each main diagnosis, from the compiled-in reference table.
# O capítulo da CID-10 de cada diagnóstico principal, da tabela de referência embutida.
with_chapter = arrow_sus.lookup(admissions, "DIAG_PRINC", "aux-cid10", columns=["chapter", "chapter_name"]).to_polars()

by_chapter = (
    with_chapter.group_by("DIAG_PRINC_chapter", "DIAG_PRINC_chapter_name")
    .agg(admissions=pl.len(), days=pl.col("DIAS_PERM").mean(), cost=pl.col("VAL_TOT").sum())
    .sort("admissions", descending=True)
    .head(8)
)
print(f"{with_chapter.height:,} admissions")
print(by_chapter)

fig, ax = plt.subplots(figsize=(8, 3.8))
rows = zip(by_chapter["DIAG_PRINC_chapter"], by_chapter["DIAG_PRINC_chapter_name"], strict=True)
names = [f"{chapter} {(name or '')[:34].capitalize()}" for chapter, name in rows]
ax.barh(names[::-1], by_chapter["admissions"].to_list()[::-1])
ax.set_xlabel("admissions / internações")
ax.set_title("SIH-RD, Acre, 2024-01: top ICD-10 chapters")
fig.tight_layout()
