"""The fixed material of the demo school's mastery data: three frameworks, their pacing orders,
and the teacher's and students' words that evidence is written with.

Plain data only (tuples, never sets), so the seeded random choices over it are the same on
every run. :mod:`mastery.demo` turns it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass

RANDOM_SEED = 2027

IDENTIFIER_PREFIX = "demo-fw-"


@dataclass(frozen=True)
class TargetData:
    code: str
    short: str  # what the grid header and the pathway show
    statement: str  # in plain teacher language
    after: tuple[str, ...] = ()  # codes of the targets that precede this one


@dataclass(frozen=True)
class DomainData:
    code: str
    title: str
    targets: tuple[TargetData, ...]


@dataclass(frozen=True)
class GradeData:
    """A grade level of a framework written grade by grade (``grade`` ``""``: a 6–8 band)."""

    grade: str
    domains: tuple[DomainData, ...]
    pacing: tuple[str, ...]  # every target code, in the order the class teaches them


@dataclass(frozen=True)
class FrameworkData:
    key: str
    title: str
    subject: str  # the Section.subject of the classes that work on it
    description: str
    method: str
    parameter: int | None
    grades: tuple[GradeData, ...]
    n_evidence_weights: tuple[int, int, int, int]  # how often a target gets 1, 2, 3, 4 pieces

    @property
    def identifier(self) -> str:
        return f"{IDENTIFIER_PREFIX}{self.key}"


def _t(code: str, short: str, statement: str, *after: str) -> TargetData:
    return TargetData(code, short, statement, after)


MATH = FrameworkData(
    key="math",
    title="Grade 6–8 Mathematics",
    subject="Mathematics",
    description=(
        "Maple Grove's middle school math targets, written from the Common Core grade 6–8 "
        "standards in the words we use with students."
    ),
    method="decaying_average",
    parameter=65,
    n_evidence_weights=(20, 40, 25, 15),
    grades=(
        GradeData(
            "6",
            (
                DomainData(
                    "6.RP",
                    "Ratios & Proportional Relationships",
                    (
                        _t(
                            "6.RP.1",
                            "Describe ratios",
                            "Use ratio language to describe how two quantities are related, "
                            "like 3 cups of flour for every 2 eggs.",
                        ),
                        _t(
                            "6.RP.2",
                            "Unit rates",
                            "Find a unit rate and explain what it means in the situation.",
                            "6.RP.1",
                        ),
                        _t(
                            "6.RP.3a",
                            "Ratio tables",
                            "Use tables of equivalent ratios to solve problems and compare ratios.",
                            "6.RP.1",
                        ),
                        _t(
                            "6.RP.3c",
                            "Percents",
                            "Find a percent of a quantity, and find the whole when I know a "
                            "part and the percent.",
                            "6.RP.3a",
                        ),
                    ),
                ),
                DomainData(
                    "6.NS",
                    "The Number System",
                    (
                        _t(
                            "6.NS.1",
                            "Divide fractions",
                            "Divide a fraction by a fraction and explain the answer with a "
                            "model or a story.",
                        ),
                        _t(
                            "6.NS.5",
                            "Positive and negative numbers",
                            "Use positive and negative numbers to describe real situations, "
                            "such as temperatures, elevations or bank balances.",
                        ),
                        _t(
                            "6.NS.7",
                            "Order and absolute value",
                            "Order rational numbers and explain absolute value as the distance "
                            "from zero.",
                            "6.NS.5",
                        ),
                        _t(
                            "6.NS.8",
                            "Coordinate plane",
                            "Solve problems by graphing points in all four quadrants of the "
                            "coordinate plane.",
                            "6.NS.5",
                        ),
                    ),
                ),
                DomainData(
                    "6.EE",
                    "Expressions & Equations",
                    (
                        _t(
                            "6.EE.1",
                            "Exponents",
                            "Write and evaluate expressions with whole-number exponents.",
                        ),
                        _t(
                            "6.EE.2",
                            "Variable expressions",
                            "Write, read and evaluate expressions in which letters stand for "
                            "numbers.",
                        ),
                        _t(
                            "6.EE.7",
                            "One-step equations",
                            "Write and solve one-step equations like x + 7 = 12 and 3x = 18 "
                            "for real problems.",
                            "6.EE.2",
                        ),
                    ),
                ),
                DomainData(
                    "6.G",
                    "Geometry",
                    (
                        _t(
                            "6.G.1",
                            "Area of polygons",
                            "Find the area of triangles and other polygons by cutting them "
                            "apart or putting them together into rectangles.",
                        ),
                        _t(
                            "6.G.2",
                            "Volume of prisms",
                            "Find the volume of a rectangular prism, including ones with "
                            "fractional edge lengths.",
                        ),
                        _t(
                            "6.G.4",
                            "Surface area with nets",
                            "Use nets made of rectangles and triangles to find surface area.",
                            "6.G.1",
                        ),
                    ),
                ),
                DomainData(
                    "6.SP",
                    "Statistics & Probability",
                    (
                        _t(
                            "6.SP.1",
                            "Statistical questions",
                            "Tell a statistical question, one that expects a variety of "
                            "answers, from one that doesn't.",
                        ),
                        _t(
                            "6.SP.4",
                            "Data displays",
                            "Show numerical data in dot plots, histograms and box plots.",
                        ),
                        _t(
                            "6.SP.5",
                            "Center and spread",
                            "Summarize a data set with its center and spread, and say what "
                            "they mean in context.",
                            "6.SP.4",
                        ),
                    ),
                ),
            ),
            pacing=(
                "6.G.1",
                "6.G.2",
                "6.G.4",
                "6.RP.1",
                "6.RP.3a",
                "6.RP.2",
                "6.RP.3c",
                "6.NS.1",
                "6.EE.1",
                "6.EE.2",
                "6.EE.7",
                "6.NS.5",
                "6.NS.7",
                "6.NS.8",
                "6.SP.1",
                "6.SP.4",
                "6.SP.5",
            ),
        ),
        GradeData(
            "7",
            (
                DomainData(
                    "7.RP",
                    "Ratios & Proportional Relationships",
                    (
                        _t(
                            "7.RP.1",
                            "Unit rates with fractions",
                            "Compute unit rates when both quantities are fractions, like "
                            "1/2 mile every 1/4 hour.",
                        ),
                        _t(
                            "7.RP.2",
                            "Recognize proportional relationships",
                            "Decide whether two quantities are in a proportional relationship, "
                            "using tables and graphs.",
                            "7.RP.1",
                        ),
                        _t(
                            "7.RP.2c",
                            "Equations for proportions",
                            "Write a proportional relationship as an equation like y = kx and "
                            "explain what k means.",
                            "7.RP.2",
                        ),
                        _t(
                            "7.RP.3",
                            "Percent problems",
                            "Solve multi-step percent problems: tax, tips, discounts, and "
                            "percent increase and decrease.",
                            "7.RP.1",
                        ),
                    ),
                ),
                DomainData(
                    "7.NS",
                    "The Number System",
                    (
                        _t(
                            "7.NS.1",
                            "Add and subtract integers",
                            "Add and subtract positive and negative numbers and show it on a "
                            "number line.",
                        ),
                        _t(
                            "7.NS.2",
                            "Multiply and divide integers",
                            "Multiply and divide positive and negative numbers and explain why "
                            "the sign rules work.",
                            "7.NS.1",
                        ),
                        _t(
                            "7.NS.3",
                            "Rational number problems",
                            "Solve real-world problems with all four operations on positive "
                            "and negative fractions and decimals.",
                            "7.NS.2",
                        ),
                    ),
                ),
                DomainData(
                    "7.EE",
                    "Expressions & Equations",
                    (
                        _t(
                            "7.EE.1",
                            "Linear expressions",
                            "Add, subtract, factor and expand linear expressions, like "
                            "4(x − 3) + 2x.",
                        ),
                        _t(
                            "7.EE.4a",
                            "Two-step equations",
                            "Write and solve equations like 3x + 5 = 20 to answer a real "
                            "question, and check the answer makes sense.",
                            "7.EE.1",
                        ),
                        _t(
                            "7.EE.4b",
                            "Two-step inequalities",
                            "Write and solve inequalities like 3x + 5 > 20, graph the "
                            "solutions and explain what they mean.",
                            "7.EE.4a",
                        ),
                    ),
                ),
                DomainData(
                    "7.G",
                    "Geometry",
                    (
                        _t(
                            "7.G.1",
                            "Scale drawings",
                            "Solve problems with scale drawings: find actual lengths and areas "
                            "and redraw at a different scale.",
                        ),
                        _t(
                            "7.G.4",
                            "Circles",
                            "Know and use the formulas for the area and circumference of a circle.",
                        ),
                        _t(
                            "7.G.6",
                            "Area, volume and surface area",
                            "Solve real problems about the area, volume and surface area of "
                            "two- and three-dimensional shapes.",
                            "7.G.4",
                        ),
                    ),
                ),
                DomainData(
                    "7.SP",
                    "Statistics & Probability",
                    (
                        _t(
                            "7.SP.1",
                            "Random samples",
                            "Explain why a random sample gives fair conclusions about a "
                            "population.",
                        ),
                        _t(
                            "7.SP.5",
                            "Probability",
                            "Describe how likely an event is with a number from 0 to 1.",
                        ),
                        _t(
                            "7.SP.7",
                            "Probability models",
                            "Build a probability model and use it to predict how often "
                            "something will happen.",
                            "7.SP.5",
                        ),
                    ),
                ),
            ),
            pacing=(
                "7.G.1",
                "7.RP.1",
                "7.RP.2",
                "7.RP.2c",
                "7.G.4",
                "7.RP.3",
                "7.NS.1",
                "7.NS.2",
                "7.NS.3",
                "7.EE.1",
                "7.EE.4a",
                "7.EE.4b",
                "7.G.6",
                "7.SP.1",
                "7.SP.5",
                "7.SP.7",
            ),
        ),
        GradeData(
            "8",
            (
                DomainData(
                    "8.NS",
                    "The Number System",
                    (
                        _t(
                            "8.NS.1",
                            "Rational and irrational",
                            "Tell rational numbers from irrational ones and explain the "
                            "difference.",
                        ),
                        _t(
                            "8.NS.1b",
                            "Repeating decimals",
                            "Write a repeating decimal as a fraction.",
                            "8.NS.1",
                        ),
                        _t(
                            "8.NS.2",
                            "Estimate irrationals",
                            "Estimate irrational numbers like √2 and place them on a number line.",
                            "8.NS.1",
                        ),
                    ),
                ),
                DomainData(
                    "8.EE",
                    "Expressions & Equations",
                    (
                        _t(
                            "8.EE.1",
                            "Integer exponents",
                            "Use the rules of integer exponents to write equivalent expressions.",
                        ),
                        _t(
                            "8.EE.4",
                            "Scientific notation",
                            "Calculate with numbers in scientific notation and choose units of "
                            "a sensible size.",
                            "8.EE.1",
                        ),
                        _t(
                            "8.EE.7",
                            "Linear equations",
                            "Solve linear equations in one variable, including ones with no "
                            "solution or infinitely many.",
                        ),
                        _t(
                            "8.EE.8",
                            "Systems of equations",
                            "Solve a system of two linear equations by graphing and by "
                            "algebra, and explain what the solution means.",
                            "8.EE.7",
                        ),
                    ),
                ),
                DomainData(
                    "8.F",
                    "Functions",
                    (
                        _t(
                            "8.F.1",
                            "What a function is",
                            "Explain that a function gives exactly one output for each input.",
                        ),
                        _t(
                            "8.F.3",
                            "Linear or not",
                            "Tell linear from nonlinear functions using equations, tables and "
                            "graphs.",
                            "8.F.1",
                        ),
                        _t(
                            "8.F.4",
                            "Model with linear functions",
                            "Write a function for a linear situation and explain its rate of "
                            "change and starting value.",
                            "8.F.3",
                        ),
                    ),
                ),
                DomainData(
                    "8.G",
                    "Geometry",
                    (
                        _t(
                            "8.G.1",
                            "Transformations",
                            "Describe rotations, reflections and translations and what they "
                            "keep the same.",
                        ),
                        _t(
                            "8.G.5",
                            "Angle arguments",
                            "Use angles in triangles and parallel lines cut by a transversal "
                            "to argue about unknown angles.",
                            "8.G.1",
                        ),
                        _t(
                            "8.G.7",
                            "Pythagorean theorem",
                            "Use the Pythagorean theorem to find missing side lengths in real "
                            "problems.",
                        ),
                        _t(
                            "8.G.9",
                            "Volume of round shapes",
                            "Use the formulas for the volumes of cones, cylinders and spheres.",
                        ),
                    ),
                ),
                DomainData(
                    "8.SP",
                    "Statistics & Probability",
                    (
                        _t(
                            "8.SP.1",
                            "Scatter plots",
                            "Make scatter plots and describe patterns such as clusters, "
                            "outliers and association.",
                        ),
                        _t(
                            "8.SP.2",
                            "Line of best fit",
                            "Draw a line of best fit and judge how well it fits the data.",
                            "8.SP.1",
                        ),
                        _t(
                            "8.SP.4",
                            "Two-way tables",
                            "Use two-way tables to find and describe patterns in survey answers.",
                        ),
                    ),
                ),
            ),
            pacing=(
                "8.G.1",
                "8.G.5",
                "8.EE.7",
                "8.F.1",
                "8.F.3",
                "8.F.4",
                "8.EE.8",
                "8.G.9",
                "8.EE.1",
                "8.EE.4",
                "8.G.7",
                "8.NS.1",
                "8.NS.1b",
                "8.NS.2",
                "8.SP.1",
                "8.SP.2",
                "8.SP.4",
            ),
        ),
    ),
)

HUMANITIES = FrameworkData(
    key="humanities",
    title="Humanities: Reading & Writing",
    subject="Humanities",
    description=(
        "Reading, writing, speaking and listening targets for grades 6–8. The same targets each "
        "year, with longer and harder texts and more independence as students grow."
    ),
    method="n_mastery",
    parameter=2,
    n_evidence_weights=(15, 40, 30, 15),
    grades=(
        GradeData(
            "",
            (
                DomainData(
                    "RL",
                    "Reading Literature",
                    (
                        _t(
                            "RL.1",
                            "Cite textual evidence",
                            "Cite the evidence from a story, play or poem that best supports "
                            "what I say it means, stated or inferred.",
                        ),
                        _t(
                            "RL.2",
                            "Theme",
                            "Find the theme of a text and trace how it develops over the "
                            "course of it.",
                            "RL.1",
                        ),
                        _t(
                            "RL.3",
                            "Story elements",
                            "Explain how the setting, the plot and the characters shape each "
                            "other.",
                        ),
                        _t(
                            "RL.6",
                            "Point of view",
                            "Explain how an author develops and contrasts the points of view "
                            "of different characters.",
                            "RL.3",
                        ),
                    ),
                ),
                DomainData(
                    "RI",
                    "Reading Informational Text",
                    (
                        _t(
                            "RI.1",
                            "Cite evidence in nonfiction",
                            "Cite evidence from an article or a book to support what I say it "
                            "means.",
                        ),
                        _t(
                            "RI.2",
                            "Central idea and summary",
                            "Find the central idea of a text and write an objective summary.",
                            "RI.1",
                        ),
                        _t(
                            "RI.6",
                            "Author's purpose",
                            "Work out an author's purpose and point of view and how the text "
                            "conveys them.",
                        ),
                        _t(
                            "RI.8",
                            "Evaluate an argument",
                            "Trace an argument and judge whether the reasons and evidence hold up.",
                            "RI.6",
                        ),
                    ),
                ),
                DomainData(
                    "W",
                    "Writing",
                    (
                        _t(
                            "W.1",
                            "Argument writing",
                            "Write an argument with a clear claim, reasons, and relevant "
                            "evidence from credible sources.",
                        ),
                        _t(
                            "W.2",
                            "Informative writing",
                            "Write to explain a topic, with ideas organized and supported by "
                            "facts, definitions and quotes.",
                        ),
                        _t(
                            "W.3",
                            "Narrative writing",
                            "Write a narrative with a clear sequence of events, dialogue and "
                            "descriptive detail.",
                        ),
                        _t(
                            "W.5",
                            "Revision",
                            "Plan, revise and edit my writing using feedback from peers and "
                            "adults.",
                        ),
                        _t(
                            "W.7",
                            "Research",
                            "Run a short research project: ask a question, use several "
                            "sources, and credit them.",
                            "W.2",
                        ),
                    ),
                ),
                DomainData(
                    "SL",
                    "Speaking & Listening",
                    (
                        _t(
                            "SL.1",
                            "Collaborative discussion",
                            "Come to discussions prepared and build on other people's ideas "
                            "with my own.",
                        ),
                        _t(
                            "SL.4",
                            "Presentation",
                            "Present claims and findings in a logical order, with eye contact "
                            "and a clear voice.",
                        ),
                        _t(
                            "SL.5",
                            "Media in presentations",
                            "Use slides, images or other media to make a presentation clearer.",
                            "SL.4",
                        ),
                    ),
                ),
            ),
            pacing=(
                "RL.1",
                "W.3",
                "SL.1",
                "RL.3",
                "RI.1",
                "W.2",
                "RL.2",
                "W.5",
                "RI.2",
                "SL.4",
                "RL.6",
                "W.1",
                "RI.6",
                "RI.8",
                "SL.5",
                "W.7",
            ),
        ),
    ),
)

SCIENCE = FrameworkData(
    key="science",
    title="Science Practices",
    subject="Science",
    description=(
        "What scientists and engineers do, from the NGSS practices for grades 6–8: the same "
        "practices every year, applied to each year's content."
    ),
    method="highest",
    parameter=None,
    n_evidence_weights=(35, 40, 20, 5),
    grades=(
        GradeData(
            "",
            (
                DomainData(
                    "INQ",
                    "Asking Questions & Investigating",
                    (
                        _t(
                            "INQ.1",
                            "Testable questions",
                            "Ask questions that can be tested, and say what data would answer "
                            "them.",
                        ),
                        _t(
                            "INQ.2",
                            "Plan a fair test",
                            "Plan a fair test: name what I will change, what I will measure "
                            "and what I will keep the same.",
                            "INQ.1",
                        ),
                        _t(
                            "INQ.3",
                            "Collect data",
                            "Collect data carefully and safely, with the right tools and units.",
                            "INQ.2",
                        ),
                    ),
                ),
                DomainData(
                    "MOD",
                    "Developing & Using Models",
                    (
                        _t(
                            "MOD.1",
                            "Develop a model",
                            "Draw and use a model to explain how something works or happens.",
                        ),
                        _t(
                            "MOD.2",
                            "Revise a model",
                            "Test a model against data and revise it when it doesn't fit.",
                            "MOD.1",
                        ),
                        _t(
                            "MOD.3",
                            "Predict with a model",
                            "Use a model to predict what will happen when something changes.",
                        ),
                    ),
                ),
                DomainData(
                    "DAT",
                    "Analyzing & Interpreting Data",
                    (
                        _t(
                            "DAT.1",
                            "Organize data",
                            "Organize data in tables and graphs that make patterns easy to see.",
                        ),
                        _t(
                            "DAT.2",
                            "Interpret data",
                            "Describe patterns, trends and relationships in data, including "
                            "cause and effect.",
                            "DAT.1",
                        ),
                        _t(
                            "DAT.3",
                            "Judge reliability",
                            "Use averages, ranges and sources of error to judge how reliable "
                            "results are.",
                            "DAT.2",
                        ),
                    ),
                ),
                DomainData(
                    "EXP",
                    "Explanations & Arguments",
                    (
                        _t(
                            "EXP.1",
                            "Claim, evidence, reasoning",
                            "Write a scientific explanation with a claim, evidence and reasoning.",
                        ),
                        _t(
                            "EXP.2",
                            "Argue from evidence",
                            "Argue from evidence and respond respectfully to other people's "
                            "claims.",
                            "EXP.1",
                        ),
                        _t(
                            "EXP.3",
                            "Design solutions",
                            "Design a solution to a problem and test it against the criteria "
                            "and constraints.",
                        ),
                    ),
                ),
                DomainData(
                    "COM",
                    "Communicating Information",
                    (
                        _t(
                            "COM.1",
                            "Read science texts",
                            "Read a scientific text and summarize its main finding in my own "
                            "words.",
                        ),
                        _t(
                            "COM.2",
                            "Communicate findings",
                            "Present findings clearly with labeled diagrams, graphs and "
                            "science vocabulary.",
                        ),
                        _t(
                            "COM.3",
                            "Evaluate sources",
                            "Judge a source: who made it, what evidence it uses, and whether it "
                            "can be trusted.",
                        ),
                    ),
                ),
            ),
            pacing=(
                "INQ.1",
                "INQ.2",
                "DAT.1",
                "INQ.3",
                "MOD.1",
                "DAT.2",
                "EXP.1",
                "COM.1",
                "MOD.2",
                "DAT.3",
                "EXP.2",
                "COM.2",
                "MOD.3",
                "EXP.3",
                "COM.3",
            ),
        ),
    ),
)

FRAMEWORKS: tuple[FrameworkData, ...] = (MATH, HUMANITIES, SCIENCE)

CREATOR = "Maple Grove Learning Community"
VERSION = "1.0"


# --- How students do: one ability profile per student and class ------------------------------


@dataclass(frozen=True)
class AbilityData:
    key: str
    weight: int  # how common it is
    start: float  # expected score at the start of the term, on the 1–4 scale
    change: float  # how much it moves by today
    growth: float  # how much each further attempt on the same target adds
    coverage: float  # chance a past target has any evidence
    ahead: tuple[int, ...]  # how many targets past the current one they work on (choices)
    # Whether a target still not met a few days after its pacing date gets reassessed (up to
    # REASSESSMENTS times, at Meets or Exceeds) until it is: how a student stays on pace.
    reassessed: bool = False


ABILITIES: tuple[AbilityData, ...] = (
    AbilityData("strong", 22, 3.35, 0.15, 0.3, 1.0, (0, 1, 2, 3), reassessed=True),
    AbilityData("steady", 45, 2.8, 0.25, 0.4, 0.99, (0, 0, 0, 1), reassessed=True),
    AbilityData("struggling", 11, 1.75, 0.25, 0.3, 0.8, (0,)),
    AbilityData("improving", 12, 1.9, 1.4, 0.3, 0.95, (0, 0, 1)),
    AbilityData("slipping", 10, 3.3, -1.3, 0.0, 0.9, (0,)),
)
SAME_ABILITY_IN_EVERY_CLASS = 0.7  # otherwise a class draws its own
REASSESS_AFTER_DAYS = 3  # school days after a target's pacing date
REASSESSMENTS = 3

# Slipping: on this many of the targets they worked on most recently, a reassessment in the
# last two weeks comes in well below what they showed before (the follow-up scan's "slipping").
SLIPPING_RECENT_TARGETS = 3
SLIPPING_RECENT_DAYS = 8  # school days back the reassessment falls in
# Gone quiet: a few students (never the login student) whose work stops, in every class, this
# many school days before today (the follow-up scan's "no recent evidence").
QUIET_STUDENTS = 3
QUIET_SCHOOL_DAYS = (12, 20)

# The login student (Sofia, grade 7): strong in math, steady in humanities, improving in science.
LOGIN_ABILITIES: dict[str, str] = {
    "Mathematics": "strong",
    "Humanities": "steady",
    "Science": "improving",
}

NOTE_SHARE = 0.3  # evidence with a teacher's note

KIND_WEIGHTS: dict[str, tuple[tuple[str, int], ...]] = {
    "Mathematics": (("assessment", 45), ("project", 12), ("observation", 28), ("conversation", 15)),
    "Humanities": (("assessment", 25), ("project", 35), ("observation", 20), ("conversation", 20)),
    "Science": (("assessment", 30), ("project", 32), ("observation", 28), ("conversation", 10)),
}

# Titles by subject and kind; {short} is the target's short statement. A class shares one quiz
# and one project per target; retakes and conversations are each student's own.
TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "Mathematics": {
        "assessment": ("Quiz: {short}", "Exit ticket: {short}", "Unit check: {short}"),
        "retake": ("Retake: {short}", "Reassessment: {short}"),
        "observation": ("Small-group problem solving", "Whiteboard practice", "Math talk"),
        "conversation": ("Check-in conference", "Reassessment conversation"),
    },
    "Humanities": {
        "assessment": ("Reading check: {short}", "Timed write: {short}", "Quiz: {short}"),
        "retake": ("Reassessment: {short}", "Second try: {short}"),
        "observation": ("Socratic seminar", "Reading workshop", "Peer review session"),
        "conversation": ("Writing conference", "Reading conference"),
    },
    "Science": {
        "assessment": ("Quiz: {short}", "Lab practical: {short}"),
        "retake": ("Retake: {short}",),
        "observation": ("Lab observation", "Field notes", "Model gallery walk"),
        "conversation": ("Lab debrief",),
    },
}

# Projects by domain (the part of a code like "7.RP.1" or "RL.2" that names it).
PROJECTS: dict[str, tuple[str, ...]] = {
    "RP": ("Project: scaling a family recipe", "Project: best buy at the grocery store"),
    "NS": ("Project: a week of weather extremes", "Project: bank account simulation"),
    "EE": ("Project: puzzle equations poster", "Project: fundraiser planning"),
    "F": ("Project: phone plan showdown", "Project: savings plan graph"),
    "G": ("Project: design a dream bedroom", "Project: cereal box redesign"),
    "SP": ("Project: class survey", "Project: carnival game fairness"),
    "RL": ("Literary analysis essay", "Book club project"),
    "RI": ("Article annotation project", "Current events brief"),
    "W": (
        "Argument essay: later school start times",
        "Narrative: a turning point",
        "Research paper: a local hero",
    ),
    "SL": ("Research presentation", "Podcast episode"),
    "INQ": ("Lab report: plants and light", "Lab report: pendulum swings"),
    "MOD": ("Model: the water cycle in a bottle", "Lab report: keeping cocoa hot"),
    "DAT": ("Lab report: Maple Creek water quality", "Lab report: density of mystery liquids"),
    "EXP": ("Engineering challenge: paper tower", "Explanation: why the ice melted faster"),
    "COM": ("Science news poster", "Presentation: our Maple Creek findings"),
}

# A teacher's notes, by subject and by how the piece went: "high" (3–4), "mid" (2), "low" (1);
# {name} is the student's first name. DOMAIN_NOTES add ones that only fit some targets.
NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "Mathematics": {
        "high": (
            "Set the problem up without prompting and checked the answer against an estimate.",
            "{name} helped a partner see why the two methods give the same answer.",
            "Clean work, every step shown. Ready to move on.",
            "Caught and fixed an error while explaining it to me.",
            "Strong on the extension problem too.",
        ),
        "mid": (
            "Gets the answer; needs to show the steps, not just the result.",
            "Needed a hint to get started, then finished independently.",
            "Can do it with a model; next step is doing it without one.",
            "Careless slips on two problems; the method itself is right.",
        ),
        "low": (
            "Still guessing at which operation to use. Small group with me on Tuesday.",
            "Didn't finish; we went over the first two problems together.",
            "Retake after the reteach lesson.",
            "{name} missed most of this unit; catching up with the practice set.",
        ),
    },
    "Humanities": {
        "high": (
            "{name}'s thinking is precise and well supported.",
            "Noticed something none of the class had seen. Great insight.",
            "Clear, organized and in {name}'s own voice.",
        ),
        "mid": (
            "Strong ideas in conversation that aren't making it onto the page yet.",
            "Solid start; push further on the 'why'.",
            "Good work when given time; rushed at the end.",
        ),
        "low": (
            "Reading wasn't done; made a plan to finish by Thursday.",
            "Needed a lot of support. We'll conference again next week.",
        ),
    },
    "Science": {
        "high": (
            "{name} asked a great follow-up question about why the groups got different results.",
            "Careful, thorough work. Ready to move on.",
        ),
        "mid": (
            "Good start; the explanation needs to connect to the science idea.",
            "Rushed the last part. The first half is strong.",
        ),
        "low": (
            "Needed a lot of help getting started. Pairing with a lab partner next time.",
            "Missed the lab; make-up scheduled for Thursday lunch.",
        ),
    },
}

DOMAIN_NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "RP": {
        "high": ("Explained the reasoning clearly with a ratio table.",),
        "mid": ("Right idea, but mixed up the units in the last step.",),
        "low": ("Mixing up the part and the whole. Gave a ratio table template.",),
    },
    "NS": {
        "high": ("Used the number line to justify every answer.",),
        "mid": ("Check the signs: two of the four errors were sign slips.",),
        "low": ("Still unsure which number is bigger once negatives show up.",),
    },
    "EE": {
        "high": ("Checked each solution by substituting it back in.",),
        "mid": ("Solid with whole numbers, still shaky once fractions show up.",),
        "low": ("Undoing steps in the wrong order. Practicing with algebra tiles.",),
    },
    "G": {
        "high": ("Drew a clear diagram and labeled every measurement.",),
        "mid": ("Used the right formula but forgot the units were squared.",),
    },
    "SP": {
        "high": ("Described the spread in context, not just the numbers.",),
        "mid": ("Good display; the summary should say what the center means.",),
    },
    "RL": {
        "high": ("Quotes are well chosen and explained, not just dropped in.",),
        "mid": ("Good evidence; the explanation of how it supports the idea is thin.",),
        "low": ("Retelling the plot rather than analyzing it. Conferenced on asking 'why?'.",),
    },
    "RI": {
        "high": ("Summary is objective and hits every key point.",),
        "mid": ("Good summary, but it slips into opinion in the last paragraph.",),
    },
    "W": {
        "high": ("Thoughtful revision: the new introduction is much stronger.",),
        "mid": ("Organized draft. Work on transitions between paragraphs.",),
        "low": ("The draft is a list of facts without a claim. Started an outline together.",),
    },
    "SL": {
        "high": ("Led the discussion and pulled quieter voices in.",),
        "mid": ("Spoke once in the seminar; next time aim for two contributions.",),
        "low": ("Needs sentence starters to join the discussion; trying them next seminar.",),
    },
    "INQ": {
        "high": ("Designed a fair test and named the controlled variables without a prompt.",),
        "mid": ("Forgot to keep the amount of water the same in both trials.",),
    },
    "MOD": {
        "mid": ("The model shows the parts but not yet how they interact.",),
    },
    "DAT": {
        "high": ("The graph is labeled and scaled well; the trend is obvious at a glance.",),
        "mid": ("Good data, but the conclusion goes beyond what the data shows.",),
        "low": ("Graph is missing labels and units; we redid it together.",),
    },
    "EXP": {
        "high": ("Claim, evidence and reasoning all line up.",),
        "low": ("The claim doesn't match the data collected. Reviewed the CER frame.",),
    },
}

# Students' own submissions waiting for review: (class key, how many) beyond the login student's.
SUBMISSIONS: tuple[tuple[str, int], ...] = (
    ("math-7", 1),
    ("math-8", 1),
    ("humanities-6", 1),
    ("science-6", 1),
    ("humanities-7", 1),
    ("science-8", 1),
    ("humanities-8", 1),
)
LOGIN_SUBMISSION_CLASS = "math-7"
LOGIN_SUBMISSION_NOTE = (
    "I tutored my brother Mateo on this over the weekend and wrote up the steps I showed him, "
    "with two examples. Can this count?"
)
SUBMISSION_NOTES: dict[str, tuple[str, ...]] = {
    "Mathematics": (
        "I did a budget for our soccer team's car wash and used this to work out the prices.",
        "I redid the quiz at home with corrections and explained each mistake.",
        "I made a short video explaining how I solve these.",
    ),
    "Humanities": (
        "This is a book review I wrote for my library's teen blog.",
        "I wrote this story for a writing contest over the summer.",
        "Here is my speech from the student council election.",
    ),
    "Science": (
        "This is my science fair project from last spring, with my data and display board.",
        "We tested water from the creek at summer camp. My notebook pages are attached.",
        "I built a model rocket and kept a log of every launch.",
    ),
}
