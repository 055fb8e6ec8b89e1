"""SINASC: how often are babies born with low weight (< 2,500 g) in Acre, and does the mother's age matter?
SINASC: com que frequência os bebês nascem com baixo peso (< 2.500 g) no Acre, e a idade da mãe importa?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

births = arrow_sus.scan("sinasc-dn", uf="AC", year=2009, columns=["PESO", "IDADEMAE"]).to_polars()

by_age = (
    births.drop_nulls(["PESO", "IDADEMAE"])
    # Five-year groups of the mother's age: 15 = under 20, 40 = 40 or more.
    # Grupos de cinco anos da idade da mãe: 15 = menos de 20, 40 = 40 ou mais.
    .with_columns(mother_age=pl.col("IDADEMAE").clip(15, 40) // 5 * 5)
    .group_by("mother_age")
    .agg(births=pl.len(), low_weight=(pl.col("PESO") < 2500).mean() * 100)
    .sort("mother_age")
)
print(f"{births.height:,} live births; {(births['PESO'] < 2500).mean() * 100:.1f}% under 2,500 g")
print(by_age)

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.bar(
    [f"{a}-{a + 4}" if 15 < a < 40 else ("<20" if a == 15 else "40+") for a in by_age["mother_age"]],
    by_age["low_weight"],
)
ax.set_xlabel("mother's age / idade da mãe")
ax.set_ylabel("% low birth weight / baixo peso")
ax.set_title("SINASC-DN, Acre, 2009: low birth weight by mother's age")
