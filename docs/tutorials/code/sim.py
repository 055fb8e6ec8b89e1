"""SIM: at what ages did people die in Acre in 2013, women and men?
SIM: com que idade morreram as pessoas no Acre em 2013, mulheres e homens?"""

import matplotlib.pyplot as plt
import polars as pl

import arrow_sus

# IDADE is coded (unit digit + value); IDADE_ANOS is the age in years, decoded by arrow-sus.
# IDADE é codificada (dígito da unidade + valor); IDADE_ANOS é a idade em anos, decodificada pelo arrow-sus.
deaths = arrow_sus.scan("sim-do", uf="AC", year=2013, columns=["IDADE_ANOS", "SEXO"], labels=True).to_polars()

groups = (
    deaths.drop_nulls("IDADE_ANOS")
    .with_columns(age_group=(pl.col("IDADE_ANOS") // 10 * 10).clip(upper_bound=90))
    .group_by("age_group", "SEXO")
    .len()
    .pivot(on="SEXO", index="age_group", values="len")
    .sort("age_group")
    .fill_null(0)
)
print(f"{deaths.height:,} deaths; median age {deaths['IDADE_ANOS'].median():.0f} years")
print(groups)

fig, ax = plt.subplots(figsize=(7, 3.4))
width = 4
for offset, sex in ((-width / 2, "masculino"), (width / 2, "feminino")):
    if sex in groups.columns:
        ax.bar(groups["age_group"] + offset + 5, groups[sex], width=width, label=sex)
ax.set_xlabel("age in years / idade em anos (90 = 90+)")
ax.set_ylabel("deaths / óbitos")
ax.set_title("SIM-DO, Acre, 2013: deaths by age and sex")
ax.legend()
