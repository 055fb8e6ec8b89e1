"""SINAN: when in 2020 were Zika cases notified in Brazil, and how many were confirmed?
SINAN: em que semanas de 2020 os casos de Zika foram notificados no Brasil, e quantos foram confirmados?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# SINAN files are national (ZIKABR20); the state is a column (SG_UF_NOT).
# Os arquivos do SINAN são nacionais (ZIKABR20); a UF é uma coluna (SG_UF_NOT).
cases = arrow_sus.scan_sinan("ZIKA", year=2020, columns=["DT_NOTIFIC", "CLASSI_FIN"], labels=True).to_polars()

weekly = (
    cases.drop_nulls("DT_NOTIFIC")
    .filter(pl.col("DT_NOTIFIC").dt.year() == 2020)
    .with_columns(week=pl.col("DT_NOTIFIC").dt.week(), confirmed=pl.col("CLASSI_FIN").cast(str) == "Confirmado")
    .group_by("week")
    .agg(notified=pl.len(), confirmed=pl.col("confirmed").sum())
    .sort("week")
)
print(f"{cases.height:,} notifications")
print(cases["CLASSI_FIN"].value_counts(sort=True))

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.plot(weekly["week"], weekly["notified"], label="notified / notificados")
ax.plot(weekly["week"], weekly["confirmed"], label="confirmed / confirmados")
ax.set_xlabel("week of 2020 / semana de 2020")
ax.set_ylabel("cases / casos")
ax.set_title("SINAN Zika, Brazil, 2020: notifications per week")
ax.legend()
