"""CNES: where are Acre's health establishments (January 2024), and how many of them serve SUS?
CNES: onde estão os estabelecimentos de saúde do Acre (janeiro de 2024), e quantos atendem o SUS?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# labels=True: CODUFMUN comes as the municipality's name (IBGE) and VINC_SUS (link with SUS) as "Sim" or "Não".
# labels=True: CODUFMUN vem como o nome do município (IBGE) e VINC_SUS (vínculo com o SUS) como "Sim" ou "Não".
establishments = arrow_sus.scan(
    "cnes-st", uf="AC", year=2024, month=1, columns=["CODUFMUN", "VINC_SUS"], labels=True
).to_polars()

by_municipality = (
    establishments.group_by(municipality=pl.col("CODUFMUN").cast(str))
    .agg(total=pl.len(), sus=(pl.col("VINC_SUS").cast(str) == "Sim").sum())
    .sort("total", descending=True)
    .head(10)
)
print(f"{establishments.height:,} establishments, {(establishments['VINC_SUS'].cast(str) == 'Sim').sum():,} with SUS")
print(by_municipality)

fig, ax = plt.subplots(figsize=(7, 3.6))
names = by_municipality["municipality"].to_list()[::-1]
ax.barh(names, by_municipality["total"].to_list()[::-1], label="all / todos")
ax.barh(names, by_municipality["sus"].to_list()[::-1], label="SUS")
ax.set_xlabel("establishments / estabelecimentos")
ax.set_title("CNES-ST, Acre, 2024-01: the ten municipalities with most establishments")
ax.legend()
