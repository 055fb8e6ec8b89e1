"""SIA: which outpatient procedures did SUS pay most for in Acre, January 2024?
SIA: por quais procedimentos ambulatoriais o SUS mais pagou no Acre em janeiro de 2024?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

production = arrow_sus.scan("sia-pa", uf="AC", year=2024, month=1, columns=["PA_PROC_ID", "PA_QTDAPR", "PA_VALAPR"])
by_procedure = (
    production.to_polars()
    .group_by("PA_PROC_ID")
    .agg(quantity=pl.col("PA_QTDAPR").sum(), paid=pl.col("PA_VALAPR").sum())
    .sort("paid", descending=True)
    .head(8)
)
# The procedure's name from the SIGTAP table (DATASUS's TB_SIGTAP), beside its code.
# O nome do procedimento, da tabela SIGTAP (TB_SIGTAP do DATASUS), ao lado do seu código.
by_procedure = arrow_sus.lookup(by_procedure, "PA_PROC_ID", "procedure")
print(by_procedure)

fig, ax = plt.subplots(figsize=(8, 3.8))
rows = zip(by_procedure["PA_PROC_ID"], by_procedure["PA_PROC_ID_name"], strict=True)
names = [f"{code} {(name or '')[:38].title()}" for code, name in rows]
ax.barh(names[::-1], (by_procedure["paid"] / 1e6).to_list()[::-1])
ax.set_xlabel("approved value, R\\$ million / valor aprovado, R\\$ milhões")
ax.set_title("SIA-PA, Acre, 2024-01: the procedures with the largest approved value")
fig.tight_layout()
