"""The fixed material the demo school is built from: staff, sections, the login family, name
pools and the first-person phrases learner profiles are composed of.

Plain data only (tuples, never sets), so the seeded random choices over it are the same on
every run. :mod:`profiles.demo` turns it into people and rows.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated names, in the order written."""
    return tuple(text.split())


EMAIL_DOMAIN = "demo.learnhub.school"

SCHOOL_NAME = "Maple Grove Learning Community"
SCHOOL_SOURCED_ID = "demo-school"
SCHOOL_IDENTIFIER = "MGLC"

RANDOM_SEED = 2026

# Students per grade; each grade has two advisories (the first one listed gets the extra one).
GRADE_SIZES: tuple[tuple[str, int], ...] = (("6", 26), ("7", 27), ("8", 27))
SIBLING_PAIRS = 6  # besides the login family; each pair spans two grades
TWIN_PAIRS = 1
EMPTY_PROFILE_SHARE = 0.10
SUPPORT_SHARE = 0.15
ELECTIVE_SHARE = 0.70  # students who take Spanish or Art on top of their three core classes


@dataclass(frozen=True)
class TeacherData:
    key: str
    title: str
    given_name: str
    family_name: str
    advisory_grade: str

    @property
    def email_local(self) -> str:
        return f"{self.title.rstrip('.').lower()}.{self.family_name.lower()}"

    @property
    def salutation(self) -> str:
        return f"{self.title} {self.family_name}"


@dataclass(frozen=True)
class ClassData:
    key: str
    name: str
    code: str
    subject: str
    grade_levels: str
    teacher: str  # TeacherData.key
    elective: bool = False


TEACHERS: tuple[TeacherData, ...] = (
    TeacherData("rivera", "Ms.", "Elena", "Rivera", "7"),
    TeacherData("morales", "Sra.", "Lucía", "Morales", "7"),
    TeacherData("kowalski", "Ms.", "Hannah", "Kowalski", "6"),
    TeacherData("bell", "Mr.", "Marcus", "Bell", "6"),
    TeacherData("okafor", "Mr.", "David", "Okafor", "8"),
    TeacherData("raman", "Dr.", "Priya", "Raman", "8"),
)

CLASSES: tuple[ClassData, ...] = (
    ClassData("humanities-6", "Humanities 6", "HUM6", "Humanities", "6", "kowalski"),
    ClassData("math-6", "Math 6", "MATH6", "Mathematics", "6", "kowalski"),
    ClassData("science-6", "Science 6", "SCI6", "Science", "6", "bell"),
    ClassData("humanities-7", "Humanities 7", "HUM7", "Humanities", "7", "okafor"),
    ClassData("math-7", "Math 7", "MATH7", "Mathematics", "7", "rivera"),
    ClassData("science-7", "Science 7", "SCI7", "Science", "7", "raman"),
    ClassData("humanities-8", "Humanities 8", "HUM8", "Humanities", "8", "okafor"),
    ClassData("math-8", "Math 8", "MATH8", "Mathematics", "8", "rivera"),
    ClassData("science-8", "Science 8", "SCI8", "Science", "8", "raman"),
    ClassData("spanish", "Spanish", "SPAN", "World Languages", "6,7,8", "morales", True),
    ClassData("art", "Art", "ART", "Visual Arts", "6,7,8", "bell", True),
)

ADMIN_GIVEN_NAME = "Dana"
ADMIN_FAMILY_NAME = "Whitfield"
ADMIN_EMAIL_LOCAL = "admin"

# --- The login family: a grade 7 student in Ms. Rivera's advisory, her brother, their parents.

LOGIN_TEACHER = "rivera"
LOGIN_FAMILY_NAME = "Martinez"
LOGIN_STUDENT_GIVEN_NAME = "Sofia"
LOGIN_STUDENT_GRADE = "7"
LOGIN_STUDENT_ELECTIVE = "spanish"
LOGIN_SIBLING_GIVEN_NAME = "Mateo"
LOGIN_SIBLING_GRADE = "6"
LOGIN_SIBLING_ELECTIVE = "art"
LOGIN_PARENT_GIVEN_NAME = "Carmen"
LOGIN_PARENT_RELATIONSHIP = "mother"
LOGIN_OTHER_PARENT_GIVEN_NAME = "Luis"
LOGIN_OTHER_PARENT_RELATIONSHIP = "father"

LOGIN_STUDENT_PROFILE: dict[str, str] = {
    "strengths": (
        "I'm good at explaining math to my friends when they're stuck, and I'm really "
        "organized. I plan my week on Sunday nights."
    ),
    "needs": (
        "Speaking up in group discussions. I usually have an idea but wait too long to say it. "
        "Also showing all my steps in math instead of just the answer."
    ),
    "interests": "Soccer (I play midfield), baking with my abuela, and anything about space.",
    "learning_preferences": (
        "I learn best when I see an example first and then try one with a partner. "
        "Written steps help me more than just hearing them."
    ),
    "aspirations": (
        "I want to be an aerospace engineer. This year I want to finish all the Math 7 targets "
        "by spring and lead my own conference without notes."
    ),
    "support_notes": "Prefers written instructions; check in privately rather than in front of "
    "the group.",
    "accommodations": "",
}

LOGIN_SIBLING_PROFILE: dict[str, str] = {
    "strengths": "Building things with Lego and drawing maps of made-up worlds.",
    "needs": "Reading longer chapters without losing focus. Remembering to bring my binder.",
    "interests": "Minecraft, Lego, and dinosaurs (still).",
    "learning_preferences": "Hands-on projects. I think better when I can move around a bit.",
    "aspirations": "I want to design video games or be a paleontologist.",
    "support_notes": "",
    "accommodations": "Movement breaks as needed.",
}

# --- Names, grouped so that families look plausible. Each group: family names, children's
# first names, adults' first names (female, male). Children also draw from COMMON_CHILD_NAMES
# and adults from COMMON_ADULT_* so that groups mix, as they do in a real school.


@dataclass(frozen=True)
class NameGroup:
    weight: int  # how many families in a hundred come from this group, roughly
    family_names: tuple[str, ...]
    child_names: tuple[str, ...]
    adult_female: tuple[str, ...]
    adult_male: tuple[str, ...]


NAME_GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        weight=18,
        family_names=_words(
            """
            Alvarez Bautista Castillo Cruz Diaz Flores Garcia Gonzalez Hernandez Lopez
            Medina Mendoza Ortiz Perez Ramirez Reyes Sanchez Santos Vargas Vasquez
            """
        ),
        child_names=_words(
            """
            Alejandro Camila Carlos Daniela Diego Emilio Gabriel Isabella Javier Lucía
            Mariana Miguel Paola Rafael Santiago Valentina Ximena Adriana Andrés Natalia
            """
        ),
        adult_female=_words("Ana Gabriela María Patricia Verónica Claudia Adriana Elena"),
        adult_male=_words("Jorge Miguel Ricardo Eduardo Roberto Alejandro Óscar Fernando"),
    ),
    NameGroup(
        weight=7,
        family_names=_words("Chen Lin Wang Wong Zhang Liu Huang"),
        child_names=_words("Mei Wei Jia Kevin Emily Ethan Grace Lucas Yan Allison"),
        adult_female=_words("Mei-Ling Xiu Jing Lan Helen Wen"),
        adult_male=_words("Wei Jun Hao Tony Peter Bo"),
    ),
    NameGroup(
        weight=5,
        family_names=_words("Kim Park Cho Lee Choi"),
        child_names=_words("Seo-yeon Ji-ho Min-jun Hana Daniel Grace Joon Yuna"),
        adult_female=_words("Ji-woo Hyun-joo Soo-jin Eunice"),
        adult_male=_words("Min-ho Sung Jae Paul"),
    ),
    NameGroup(
        weight=4,
        family_names=_words("Ito Nakamura Tanaka Yamamoto Sato"),
        child_names=_words("Haruto Aiko Kai Ren Yuki Emma Noah"),
        adult_female=_words("Yuki Naomi Keiko Emi"),
        adult_male=_words("Kenji Hiroshi Takeshi Ken"),
    ),
    NameGroup(
        weight=6,
        family_names=_words("Nguyen Tran Pham Le Vo"),
        child_names=_words("Minh Linh Bao Thu An Vy Kevin Tiffany"),
        adult_female=_words("Lan Thuy Hoa Mai"),
        adult_male=_words("Duc Tuan Hung Long"),
    ),
    NameGroup(
        weight=9,
        family_names=_words("Banerjee Das Gupta Kaur Patel Shah Singh Iyer Reddy"),
        child_names=_words("Aarav Anaya Arjun Ishaan Priya Rohan Anjali Diya Kabir Meera"),
        adult_female=_words("Deepa Kavita Neha Sunita Pooja Anita"),
        adult_male=_words("Rajesh Vikram Sanjay Amit Arun Nikhil"),
    ),
    NameGroup(
        weight=8,
        family_names=_words("Adeyemi Mensah Nwosu Osei Eze Adebayo Boateng"),
        child_names=_words("Adaeze Chidi Kofi Kwame Amara Ama Tobi Ife Emeka Zainab"),
        adult_female=_words("Ngozi Abena Funmilayo Chioma Grace Esi"),
        adult_male=_words("Kwabena Oluwaseun Chukwuemeka Emmanuel Samuel Yaw"),
    ),
    NameGroup(
        weight=8,
        family_names=_words("Ahmed Farah Hassan Ibrahim Khan Mahmoud Saleh Yilmaz Haddad"),
        child_names=_words("Amir Fatima Layla Omar Yusuf Zara Mariam Tariq Rania Nour"),
        adult_female=_words("Amina Leila Huda Samira Yasmin"),
        adult_male=_words("Karim Tariq Hassan Ahmed Youssef Mehmet"),
    ),
    NameGroup(
        weight=25,
        family_names=_words(
            """
            Abbott Anderson Baker Barnes Bennett Brooks Campbell Clarke Coleman Davis
            Edwards Evans Foster Greene Hall Hill Jackson Johnson Kelly Miller Mitchell
            Murphy O'Brien Phillips Price Robinson Sullivan Taylor Thompson Walker
            Washington Williams Wilson Young Harris Carter
            """
        ),
        child_names=(),
        adult_female=(),
        adult_male=(),
    ),
    NameGroup(
        weight=10,
        family_names=_words(
            """
            Cohen Dubois Fischer Goldberg Jensen Kowalczyk Novak Petrov Rossi Silva
            Fernandes Schmidt Moreau Lindqvist
            """
        ),
        child_names=_words("Luca Ivan Anya Noa Elena Mila Lars Sasha Ari Chiara"),
        adult_female=_words("Katarzyna Anna Ingrid Rachel Sophie Giulia"),
        adult_male=_words("Tomasz Erik Marco Jonas Dmitri Aaron"),
    ),
)

COMMON_CHILD_NAMES = _words(
    """
    Aaliyah Aiden Ava Benjamin Caleb Chloe Darius Dylan Eli Elijah Ella Emma Ethan Ezra
    Grace Hannah Harper Hazel Imani Iris Isaiah Isla Jada Jamal Jasmine Jaylen Jonah
    Jordan Julian Kayla Leah Liam Lily Lucas Malik Maya Mia Miles Naomi Nathan Nia Noah
    Nora Olivia Owen Quinn Riley Rowan Ruby Ryan Sadie Sienna Simone Thea Theo Xavier
    Zoe
    """
)
COMMON_ADULT_FEMALE = _words(
    """
    Jennifer Sarah Jessica Rebecca Nicole Michelle Laura Kimberly Rachel Tanya Danielle
    Erin Keisha Monique Heather Amy Lauren Stephanie Christina Latoya
    """
)
COMMON_ADULT_MALE = _words(
    """
    Michael David James Christopher Brian Kevin Jason Matthew Andre Derek Ryan Daniel
    Justin Terrence Greg Paul Anthony Jamal Steven Mark
    """
)
GRANDPARENT_FEMALE = _words(
    "Margaret Dolores Evelyn Gloria Yolanda Ruth Linda Bernadette Shirley Rosa"
)
GRANDPARENT_MALE = _words("Harold Walter Raymond Frank Ernesto George Leonard Clarence")

# Children's given name -> the name they go by.
PREFERRED_NAMES: tuple[tuple[str, str], ...] = (
    ("Alejandro", "Alex"),
    ("Benjamin", "Ben"),
    ("Daniela", "Dani"),
    ("Santiago", "Santi"),
    ("Valentina", "Vale"),
    ("Isabella", "Izzy"),
    ("Nathan", "Nate"),
    ("Adaeze", "Ada"),
    ("Mariana", "Mari"),
    ("Julian", "Jules"),
)

# --- Learner profiles, in a student's own voice.

STRENGTHS: tuple[str, ...] = (
    "I'm good at explaining math steps to friends when they're stuck.",
    "I notice small details that other people miss.",
    "I don't give up when a problem gets hard. I try another way.",
    "Drawing, especially comics and characters.",
    "I'm a good listener, and people come to me when something is wrong.",
    "Building things with my hands, like the birdhouse I made with my grandpa.",
    "Mental math. I can add up prices in my head really fast.",
    "Writing stories with plot twists.",
    "I'm organized. My binder actually has tabs.",
    "Getting a group started when nobody else wants to go first.",
    "Reading. I finished a whole fantasy series over the summer.",
    "Remembering facts about history and animals.",
    "I speak two languages and sometimes translate for my family.",
    "Coding simple games in Scratch.",
    "Coming up with ideas for projects.",
    "Staying calm when things get stressful.",
    "Asking good questions in science.",
    "I'm patient with younger kids. I help my cousins with their homework.",
    "Presenting in front of the class without getting too nervous.",
    "Making new kids feel welcome.",
    "Piano. I can learn songs by ear.",
    "When I care about something I revise it until it's right.",
    "Understanding strategy in sports, not just playing.",
    "Spotting patterns in numbers and graphs.",
    "Being honest about what I don't understand yet.",
    "Fixing things. I fixed my bike chain by watching a video.",
)

NEEDS: tuple[str, ...] = (
    "Starting big assignments instead of waiting until the night before.",
    "Speaking up in group discussions when I have an idea.",
    "Showing my work in math instead of just writing the answer.",
    "Staying focused when I read long chapters.",
    "Asking for help before I get really stuck.",
    "Checking my spelling before I turn my writing in.",
    "Fractions and ratios still confuse me sometimes.",
    "Keeping track of deadlines. I forget to write them down.",
    "Not rushing through tests.",
    "Handling it when my group doesn't agree with me.",
    "Writing longer essays with one clear main idea.",
    "Getting enough sleep so I'm not tired in first period.",
    "Remembering vocabulary in Spanish.",
    "Taking notes I can actually use later.",
    "Being okay with making mistakes in front of people.",
    "Managing my time when I have practice after school.",
    "Word problems. I get the math but not always what the question is asking.",
    "Staying off my phone when I do homework.",
    "Explaining my thinking out loud.",
    "Breaking big projects into smaller steps.",
    "Finishing what I start before jumping to something new.",
)

INTERESTS: tuple[str, ...] = (
    "soccer",
    "basketball",
    "drawing anime characters",
    "Minecraft",
    "baking",
    "K-pop",
    "skateboarding",
    "volleyball",
    "fantasy novels",
    "space and black holes",
    "making videos",
    "photography",
    "swimming",
    "chess",
    "guitar",
    "dance",
    "robotics",
    "fashion design",
    "cooking",
    "my dog",
    "video games",
    "hiking with my family",
    "fishing",
    "Lego",
    "coding",
    "theater",
    "softball",
    "track",
    "making beats",
    "graphic novels",
    "ancient Egypt",
    "volunteering at the animal shelter",
    "gardening",
    "crocheting",
    "taekwondo",
    "how car engines work",
    "Greek mythology",
    "sharks and ocean animals",
    "painting",
    "writing poetry",
    "baseball",
    "cheer",
    "woodworking",
    "origami",
    "anime",
    "the drums",
)

INTEREST_TEMPLATES: tuple[str, ...] = (
    "I love {a} and {b}.",
    "{A}, {b} and {c}.",
    "Anything about {a}. Also {b}.",
    "I'm really into {a} right now. I also like {b}.",
    "{A}! And {b} on weekends.",
)

LEARNING_PREFERENCES: tuple[str, ...] = (
    "I learn best when I can talk ideas through with a partner.",
    "Seeing an example first really helps me.",
    "I like to work in a quiet spot, sometimes with headphones.",
    "Hands-on projects instead of worksheets.",
    "When the steps are written on the board so I can look back at them.",
    "I need to move around a bit. Standing or short breaks help.",
    "Videos and diagrams help me more than just reading.",
    "I like having a checklist so I know what's done.",
    "Working alone first, then sharing with a group.",
    "Getting feedback while I'm working, not just at the end.",
    "I remember things better when I teach them to someone else.",
    "Music without words helps me focus.",
    "Clear deadlines and knowing what 'good' looks like.",
    "Making flashcards and quizzing myself.",
    "Drawing or mapping out my ideas before I write.",
    "Choosing how I show what I learned.",
)

ASPIRATIONS_LONG: tuple[str, ...] = (
    "I want to be a veterinarian.",
    "I'd like to design video games someday.",
    "I want to be a nurse like my aunt.",
    "Play soccer in high school and maybe college.",
    "Become an engineer and build bridges.",
    "I want to be a marine biologist.",
    "Start my own bakery.",
    "Be a lawyer.",
    "Work at NASA.",
    "Become a teacher.",
    "Be an architect and design houses.",
    "I want to be an animator.",
    "Be a doctor and help people in my community.",
    "I'm not sure yet, but something with animals.",
    "Write a book and get it published.",
    "Become an electrician like my uncle.",
    "Be a professional musician.",
    "Make apps that help people.",
    "Be a chef.",
    "Become a firefighter.",
    "I don't know yet, and that's okay.",
)

ASPIRATIONS_NEAR: tuple[str, ...] = (
    "This year I want to get better at writing essays.",
    "By spring I want to finish all my Math {grade} targets.",
    "Make the high school team.",
    "Read 20 books this year.",
    "Get more confident presenting.",
    "Turn in everything on time this term.",
    "Lead my conference without reading from my notes.",
    "Get my Science {grade} lab reports to 'meets' or higher.",
)

# --- Staff-only notes.

SUPPORT_NOTES: tuple[str, ...] = (
    "Prefers written instructions; check in privately rather than in front of the group.",
    "New to the school this year; pair with a peer buddy for group projects.",
    "Splits the week between two households; keep a second copy of materials at school.",
    "Multilingual learner; sentence starters and a word bank help in writing.",
    "Gets anxious before presentations; give a heads-up a day ahead.",
    "Sees the counselor on Thursdays during advisory.",
    "Low energy after lunch; a quick check-in at the start of class helps.",
    "Strong reader who avoids writing; offer to start with a conversation or an outline.",
    "Was out for three weeks in the fall; catching up in Math and Science.",
    "Family prefers email over phone calls; a translated copy helps when possible.",
)

ACCOMMODATIONS: tuple[str, ...] = (
    "Extended time (1.5x) on timed tasks.",
    "Text-to-speech for reading-heavy assignments.",
    "Movement breaks as needed.",
    "Preferential seating near the front.",
    "Reduced-distraction setting for assessments.",
    "Graphic organizer provided for writing tasks.",
    "Calculator allowed for multi-step problems.",
    "Copies of class notes or slides.",
    "Directions read aloud and checked for understanding.",
)
