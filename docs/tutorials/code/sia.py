"""SIA: which groups of outpatient procedures did SUS pay most for in Acre, January 2024?
SIA: por quais grupos de procedimentos ambulatoriais o SUS mais pagou no Acre em janeiro de 2024?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# The first two digits of a SIGTAP procedure code are its group.
# Os dois primeiros dígitos do código SIGTAP do procedimento são o seu grupo.
GROUPS = {
    "01": "promoção e prevenção",
    "02": "diagnóstico",
    "03": "clínicos",
    "04": "cirúrgicos",
    "05": "transplantes",
    "06": "medicamentos",
    "07": "órteses e próteses",
    "08": "ações complementares",
}
production = arrow_sus.scan("sia-pa", uf="AC", year=2024, month=1, columns=["PA_PROC_ID", "PA_QTDAPR", "PA_VALAPR"])
by_group = (
    production.to_polars()
    .with_columns(group=pl.col("PA_PROC_ID").cast(str).str.slice(0, 2).replace_strict(GROUPS, default="outros"))
    .group_by("group")
    .agg(quantity=pl.col("PA_QTDAPR").sum(), paid=pl.col("PA_VALAPR").sum())
    .sort("paid", descending=True)
)
print(by_group)

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.barh(by_group["group"].to_list()[::-1], (by_group["paid"] / 1e6).to_list()[::-1])
ax.set_xlabel("approved value, R$ million / valor aprovado, R$ milhões")
ax.set_title("SIA-PA, Acre, 2024-01: approved value by procedure group")
