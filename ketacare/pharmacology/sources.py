"""Bibliography: every number in this package points to one of these keys.

``verified`` on a parameter says whether the number was checked against the primary source (its
abstract or a full-text table) or only read in secondary material; see docs/pharmacology.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citable source."""

    key: str
    citation: str
    doi: str | None = None


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            "domino-1984",
            "Domino EF, et al. Ketamine kinetics in unmedicated and diazepam-premedicated subjects. "
            "Clin Pharmacol Ther 1984;36:645 (attribution from the project's research notes, unconfirmed; "
            "opentiva, where the parameters were read, cites PMID 7198883 without a DOI; paper not "
            "retrieved).",
        ),
        Source(
            "opentiva",
            "opentiva 1.1.2 (MIT), opentiva/ketamine.py: public transcription of published ketamine models; "
            "used only to read parameter values, never code.",
        ),
        Source(
            "clements-1981",
            "Clements JA, Nimmo WS. Pharmacokinetics and analgesic effect of ketamine in man. "
            "Br J Anaesth 1981;53:27-30.",
            "10.1093/bja/53.1.27",
        ),
        Source(
            "hijazi-2003",
            "Hijazi Y, et al. Pharmacokinetics and haemodynamics of ketamine "
            "in intensive care patients with brain or spinal cord injury. Br J Anaesth 2003;90:155-160.",
            "10.1093/bja/aeg028",
        ),
        Source(
            "kamp-2020",
            "Kamp J, Olofsen E, Henthorn TK, van Velzen M, Niesters M, Dahan A. Ketamine pharmacokinetics: a "
            "systematic review of the literature, meta-analysis, and population analysis. "
            "Anesthesiology 2020;133:1192-1213.",
            "10.1097/ALN.0000000000003577",
        ),
        Source(
            "herd-2007",
            "Herd DW, Anderson BJ. Ketamine disposition in children presenting for procedural sedation and "
            "analgesia in a children's emergency department. Paediatr Anaesth 2007;17:622-629.",
            "10.1111/j.1460-9592.2006.02145.x",
        ),
        Source(
            "herd-2008",
            "Herd DW, Anderson BJ, Keene NA, Holford NHG. Investigating the pharmacodynamics of ketamine "
            "in children. Paediatr Anaesth 2008;18:36-42 (PMID 18095964). Abstract: half-time of "
            "equilibration between effect and central compartment 11 s (95% CI 0.07-20 s).",
        ),
        Source(
            "simons-2024-thesis",
            "Simons P. Pharmacotherapy and ventilatory control in health and disease. PhD thesis, Leiden "
            "University, 2024 (ISBN 978-94-6506-095-8); chapter 2 is Simons 2022 part 1.",
        ),
        Source(
            "hirlinger-1984",
            "Hirlinger WK, Dick W. [Intramuscular ketamine analgesia in emergency patients. II. Clinical "
            "study of traumatized patients]. Anaesthesist 1984;33:272-275 (PMID 6476334; German, English "
            "abstract).",
        ),
        Source(
            "grant-1983",
            "Grant IS, Nimmo WS, McNicol LR, Clements JA. Ketamine disposition in children and adults. "
            "Br J Anaesth 1983;55:1107-1111. Abstract: 2 mg/kg IV and 6 mg/kg IM in nine children; "
            "'absorption after i.m. injection appeared to be more rapid in children' (no rate given).",
            "10.1093/bja/55.11.1107",
        ),
        Source(
            "rolan-2014",
            "Rolan P, Lim S, Sunderland V, Liu Y, Molnar V. The absolute bioavailability of racemic "
            "ketamine from a novel sublingual formulation. Br J Clin Pharmacol 2014;77:1011-1016 "
            "(PMC4093926).",
            "10.1111/bcp.12264",
        ),
        Source(
            "chong-2009",
            "Chong C, Schug S, Page-Sharp M, Jenkins B, Ilett K. Development of a sublingual/oral "
            "formulation of ketamine for use in neuropathic pain: preliminary findings from a three-way "
            "randomized, crossover study. 2009 (abstract read in the University of Western Australia "
            "research repository record; journal details not confirmed there).",
        ),
        Source(
            "chong-2006",
            "Chong C, Schug S, Page-Sharp M, Ilett K. Bioavailability of ketamine after oral or sublingual "
            "administration. Pain Med 2006;7(5):469 (conference abstract of the Chong 2009 study: 10 mg IV, "
            "25 mg sublingual or oral, six inpatients with neuropathic pain; its table of mean +/- SD Cmax "
            "and Tmax was read in the abstract as reproduced on ketamine.com/bioavailability.html).",
        ),
        Source(
            "yanagihara-2003",
            "Yanagihara Y, et al. Plasma concentration profiles of ketamine and norketamine after "
            "administration of various ketamine preparations to healthy Japanese volunteers. Biopharm "
            "Drug Dispos 2003;24:37-43.",
            "10.1002/bdd.336",
        ),
        Source(
            "brunette-2011",
            "Brunette KEJ, Anderson BJ, Thomas J, Wiesner L, Herd DW, Schulein S. Exploring the "
            "pharmacokinetics of oral ketamine in children undergoing burns procedures. Paediatr Anaesth "
            "2011;21:653-662.",
            "10.1111/j.1460-9592.2011.03548.x",
        ),
        Source(
            "hornik-2018",
            "Hornik CP, et al. Population pharmacokinetics of intramuscular and "
            "intravenous ketamine in children. J Clin Pharmacol 2018;58:1092-1104.",
            "10.1002/jcph.1116",
        ),
        Source(
            "fanta-2015",
            "Fanta S, Kinnunen M, Backman JT, Kalso E. Population pharmacokinetics of "
            "S-ketamine and norketamine "
            "in healthy volunteers after intravenous and oral dosing. Eur J Clin Pharmacol 2015;71:441-447.",
            "10.1007/s00228-015-1826-y",
        ),
        Source(
            "otto-2021",
            "Otto ME, Bergmann KR, Jacobs G, van Esdonk MJ. Predictive performance of parent-metabolite "
            "population pharmacokinetic models of (S)-ketamine in healthy volunteers. "
            "Eur J Clin Pharmacol 2021;77:1181-1192. (Table 3 values as transcribed in nlmixr2lib "
            "Otto_2021_s_ketamine.R, which cites Table 3 and the supplementary NONMEM code.)",
            "10.1007/s00228-021-03104-1",
        ),
        Source(
            "perez-ruixo-2020",
            "Perez-Ruixo C, et al. Population pharmacokinetics of esketamine nasal spray "
            "and its metabolite noresketamine in healthy subjects and patients with treatment-resistant "
            "depression. Clin Pharmacokinet 2021;60:501-516 (online 2020). (Table 3/Table 4 values as "
            "transcribed in nlmixr2lib PerezRuixo_2020_esketamine.R and its vignette.)",
            "10.1007/s40262-020-00953-4",
        ),
        Source(
            "simons-2022",
            "Simons P, Olofsen E, van Velzen M, et al. S-ketamine oral thin film - part 1: population "
            "pharmacokinetics of S-ketamine, S-norketamine and S-hydroxynorketamine. Front Pain Res "
            "2022;3:946486. Abstract: bioavailability 26 +/- 1%, 80% of S-ketamine metabolised to "
            "S-norketamine. Table 4 values as transcribed in nlmixr2lib Simons_2022_s_ketamine.R.",
            "10.3389/fpain.2022.946486",
        ),
        Source(
            "olofsen-2012",
            "Olofsen E, et al. Estimation of the contribution of norketamine to "
            "ketamine-induced acute pain relief and neurocognitive impairment in healthy volunteers. "
            "Anesthesiology 2012;117:353-364. Abstract: blood-effect-site equilibration half-life 0 "
            "(cognitive flexibility) to 11.8 min (pain intensity), 6.1 min averaged across endpoints.",
        ),
        Source(
            "ebert-1997",
            "Ebert B, et al. Norketamine, the main metabolite of ketamine, is a "
            "non-competitive NMDA receptor antagonist in the rat cortex and spinal cord. "
            "Eur J Pharmacol 1997;333:99-104. Abstract: [3H]MK-801 Ki (S)-ketamine 0.3 uM, (R)-ketamine "
            "1.4 uM, (S)-norketamine 1.7 uM, (R)-norketamine 13 uM.",
        ),
        Source(
            "spravato-label",
            "SPRAVATO (esketamine) nasal spray, US prescribing information (Janssen): 28 mg esketamine per "
            "device; plasma protein binding 43-45%; absolute bioavailability about 48%.",
        ),
        Source(
            "hornik-2018-abstract-bands",
            "Hornik 2018 abstract: plasma concentrations 'previously associated with analgesia (>100 ng/mL) "
            "and anesthesia awakening (750 ng/mL)'.",
            "10.1002/jcph.1116",
        ),
        Source(
            "bowdle-1998",
            "Bowdle TA, et al. Psychedelic effects of ketamine in healthy volunteers: "
            "relationship to steady-state plasma concentrations. Anesthesiology 1998;88:82-88. Abstract: "
            "effects linear in venous concentration between 50 and 200 ng/mL.",
            "10.1097/00000542-199801000-00015",
        ),
        Source(
            "zanos-2018",
            "Zanos P, Moaddel R, Morris PJ, et al. Ketamine and ketamine metabolite "
            "pharmacology: insights into "
            "therapeutic mechanisms. Pharmacol Rev 2018;70:621-660, Table 1 (Krystal 1994: dissociation at "
            "100-250 ng/mL after 0.5 mg/kg over 40 min; Zarate 2006: Cmax 185 ng/mL after 0.5 mg/kg/40 min).",
            "10.1124/pr.117.015198",
        ),
        Source(
            "schuttler-1987",
            "Schuttler J, et al. Pharmacodynamic modeling of the EEG effects of ketamine "
            "and its enantiomers in man. J Pharmacokinet Biopharm 1987;15:241-253. Abstract: IC50 of EEG "
            "median-frequency slowing 2.0 +/- 0.5 ug/mL (racemate), 0.8 +/- 0.4 ug/mL (S).",
            "10.1007/BF01066320",
        ),
        Source(
            "peltoniemi-2016",
            "Peltoniemi MA, Hagelberg NM, Olkkola KT, Saari TI. Ketamine: a review of clinical "
            "pharmacokinetics "
            "and pharmacodynamics in anesthesia and pain therapy. Clin Pharmacokinet 2016;55:1059-1077. "
            "Abstract: S-ketamine about two times more effective than the racemate.",
            "10.1007/s40262-016-0383-6",
        ),
        Source(
            "pubchem",
            "Molar masses from the molecular formulas (PubChem): ketamine C13H16ClNO 237.72 g/mol; ketamine "
            "hydrochloride C13H17Cl2NO 274.19 g/mol; norketamine C12H14ClNO 223.70 g/mol.",
        ),
    )
}


def cite(key: str) -> str:
    """Human-readable citation for a key, with its DOI when known."""
    source = SOURCES[key]
    return f"{source.citation} doi:{source.doi}" if source.doi else source.citation
