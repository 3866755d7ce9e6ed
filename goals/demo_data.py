"""The fixed material of the demo school's goals: templates, goal ideas in the students' own
words, the login student's goals, and the phrases check-ins and comments are written with.

Plain data only (tuples, never sets), so the seeded random choices over it are the same on
every run. :mod:`goals.demo` turns it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass

RANDOM_SEED = 2028

LITERACY = "Literacy"
NUMERACY = "Numeracy"
SOCIAL_EMOTIONAL = "Social-emotional"
PERSONAL = "Personal"
CATEGORIES: tuple[str, ...] = (LITERACY, NUMERACY, SOCIAL_EMOTIONAL, PERSONAL)

CHECKIN_NUDGE_DAYS = 7


# --- Templates for the goal-setting tool -------------------------------------------------------


@dataclass(frozen=True)
class TemplateData:
    name: str
    category: str  # "" for none
    prompts: tuple[str, ...]
    example_title: str
    example_criteria: str


SMART_TEMPLATE = "SMART goal"

TEMPLATES: tuple[TemplateData, ...] = (
    TemplateData(
        SMART_TEMPLATE,
        "",
        (
            "What exactly will you do?",
            "How will you measure it?",
            "Is it realistic for you this term?",
            "Why does it matter to you?",
            "By when?",
        ),
        "Read 4 novels by winter break",
        "Finish 4 novels and write a five-sentence review of each one in my reading log.",
    ),
    TemplateData(
        "Reading goal",
        LITERACY,
        (
            "What will you read: how many books, pages or minutes?",
            "When and where will you read each day?",
            "How will you keep track?",
            "Who will you talk to about what you read?",
            "By when?",
        ),
        "Read 25 minutes every school night",
        "My reading log shows at least 25 minutes on 4 of 5 school nights, every week.",
    ),
    TemplateData(
        "Habit goal",
        PERSONAL,
        (
            "What is the small thing you will do?",
            "When will you do it, and what will remind you?",
            "How many days a week?",
            "How will you track it?",
            "What will you do on a day you miss?",
        ),
        "Use my planner every day",
        "Every assignment written down and checked before I leave school, 5 days out of 5.",
    ),
)


# --- Goal ideas: what students write (``{n}`` is filled with one of ``numbers``) --------------


@dataclass(frozen=True)
class GoalIdea:
    key: str
    category: str
    title: str
    criteria: str
    numbers: tuple[int, ...]
    whys: tuple[str, ...]
    steps: tuple[str, ...]  # in the order they happen; a goal takes 2–4 of them
    first_title: str  # a vaguer first version: what gets returned, or revised later
    first_criteria: str
    horizon: str = "term"


def _idea(
    key: str,
    category: str,
    title: str,
    criteria: str,
    numbers: tuple[int, ...],
    whys: tuple[str, ...],
    steps: tuple[str, ...],
    first: tuple[str, str],
    horizon: str = "term",
) -> GoalIdea:
    return GoalIdea(key, category, title, criteria, numbers, whys, steps, *first, horizon)


IDEAS: tuple[GoalIdea, ...] = (
    # Literacy
    _idea(
        "novels",
        LITERACY,
        "Read {n} novels this term",
        "Finish {n} novels and write a five-sentence review of each one in my reading log.",
        (3, 4, 5),
        (
            "I used to love reading and I stopped last year. I want it back.",
            "My sister reads all the time and I want to be able to talk about books with her.",
            "Reading more will make Humanities easier, and I like stories.",
        ),
        (
            "Pick my next book at the library every Friday",
            "Read 20 minutes before bed on school nights",
            "Write the review the day I finish a book",
            "Try one genre I have never read",
        ),
        ("Read more books", "Read more at home."),
    ),
    _idea(
        "reading-minutes",
        LITERACY,
        "Read {n} minutes every school night",
        "My reading log shows at least {n} minutes on 4 of 5 school nights, every week.",
        (20, 25, 30),
        (
            "I fall asleep on my phone and I'm tired in the morning. Reading instead would help.",
            "I want to read faster so I'm not the last one done in book club.",
        ),
        (
            "Keep my book on my pillow so I see it",
            "Set a 20-minute timer",
            "Fill in the reading log before lights out",
            "Show my log to my advisor on Fridays",
        ),
        ("Read every night", "Read at night."),
    ),
    _idea(
        "evidence",
        LITERACY,
        "Use evidence in every paragraph of my essays",
        "Every body paragraph in my next {n} essays has a quote and my own explanation of it, "
        "and I score Meets or better on evidence.",
        (2, 3),
        (
            "My ideas are good but my essays keep getting 'where's your evidence?' comments.",
            "I want my writing to be as convincing as I am when I talk.",
        ),
        (
            "Use the quote sandwich organizer for the next essay",
            "Highlight my quotes in the draft before I turn it in",
            "Ask a peer to check that every quote is explained",
            "Compare my score with my last essay",
        ),
        ("Get better at essays", "Better grades on essays."),
    ),
    _idea(
        "vocabulary",
        LITERACY,
        "Learn {n} new words from my reading",
        "Add {n} new words to my word journal with a sentence for each, and use at least 5 of "
        "them in my own writing.",
        (30, 40),
        (
            "I skip words I don't know and then I lose track of what's happening.",
            "I want my writing to sound more grown-up.",
        ),
        (
            "Keep sticky notes in my book for new words",
            "Add words to the journal every Sunday",
            "Use two journal words in each writing assignment",
        ),
        ("Learn more vocabulary", "Know more words."),
    ),
    _idea(
        "revise",
        LITERACY,
        "Revise every draft before I turn it in",
        "For my next {n} writing assignments I do one full revision pass with the checklist "
        "and get feedback from one classmate.",
        (3, 4),
        (
            "I always turn in my first draft and then see mistakes when I get it back.",
            "My teacher says my ideas get lost in run-on sentences.",
        ),
        (
            "Print the revision checklist and keep it in my binder",
            "Finish drafts one day early so there's time to revise",
            "Trade drafts with a partner in workshop",
            "Read my draft out loud before turning it in",
        ),
        ("Write better", "Make fewer mistakes in writing."),
    ),
    _idea(
        "genre",
        LITERACY,
        "Finish {n} books from a genre I don't usually read",
        "Finish {n} nonfiction or poetry books and share one of them at book club.",
        (2, 3),
        (
            "I only read fantasy and I want to find out what else I might like.",
            "My aunt says biographies changed how she saw the world. I want to try.",
        ),
        (
            "Ask the librarian for three suggestions",
            "Read the first chapter of each before picking one",
            "Share my favorite at book club",
        ),
        ("Read different books", "Try new books."),
    ),
    _idea(
        "journal",
        LITERACY,
        "Write in my journal {n} times a week",
        "At least {n} entries of half a page or more every week, counted on Sundays.",
        (3, 4),
        (
            "Writing helps me calm down and I want to get better at putting feelings into words.",
            "I want to write stories one day and I need practice.",
        ),
        (
            "Keep the journal in my backpack",
            "Write during silent reading on Tuesdays and Thursdays",
            "Count my entries every Sunday night",
        ),
        ("Write more", "Write in my journal sometimes."),
    ),
    # Numeracy
    _idea(
        "practice",
        NUMERACY,
        "Practice math {n} minutes a day",
        "{n} minutes of practice on at least 5 days a week, logged in my planner.",
        (15, 20),
        (
            "I understand it in class but forget it by the quiz.",
            "Math is the subject I'm least confident in and I want that to change.",
        ),
        (
            "Do practice right after school before anything else",
            "Log the minutes in my planner",
            "Redo one problem I got wrong each day",
            "Show my log at lunch help",
        ),
        ("Practice math more", "Do more math at home."),
    ),
    _idea(
        "reassess",
        NUMERACY,
        "Reassess on every math target below Meets",
        "Within {n} weeks of any score below 3, I do the reteach practice and reassess until "
        "I reach 3 or higher.",
        (2, 3),
        (
            "I used to just move on when I got a 2. Now I know I can show it again.",
            "I want my mastery map to be all green by the end of the year.",
        ),
        (
            "Check my mastery map every Monday",
            "Finish the reteach practice set",
            "Sign up for the reassessment",
            "Go to lunch help the week before",
        ),
        ("Get better scores in math", "Fix my low scores."),
    ),
    _idea(
        "on-time",
        NUMERACY,
        "Hand in every math practice set on time",
        "Every practice set handed in by its due date, {n} weeks in a row, checked in my "
        "planner on Fridays.",
        (6, 8),
        (
            "Missing practice sets is why I fall behind, not the math itself.",
            "My parents and I agreed this is the thing to fix first.",
        ),
        (
            "Write each practice set in my planner the day it's assigned",
            "Start it in class if there's time",
            "Check my planner every Friday with my advisor",
        ),
        ("Do my math homework", "Stop missing homework."),
    ),
    _idea(
        "show-work",
        NUMERACY,
        "Show every step in my math work",
        "On my next {n} quizzes every problem has all of its steps written out and I lose no "
        "points for missing work.",
        (3, 4),
        (
            "I get answers in my head and lose points because nobody can see how.",
            "When I write the steps I catch my own mistakes.",
        ),
        (
            "Use the two-column layout for each problem",
            "Circle the final answer only after the steps",
            "Ask my teacher to check one page of work",
        ),
        ("Show my work", "Write more in math."),
    ),
    _idea(
        "help-sessions",
        NUMERACY,
        "Go to math help {n} times a month",
        "Go to Tuesday lunch help at least {n} times a month and bring one question each time.",
        (2, 3),
        (
            "I'm shy about asking questions in class, and lunch help is smaller.",
            "I get stuck on homework and give up instead of asking.",
        ),
        (
            "Put lunch help in my planner every Tuesday",
            "Write my question down during class",
            "Bring a friend the first time",
        ),
        ("Get help in math", "Ask for help more."),
    ),
    _idea(
        "estimate",
        NUMERACY,
        "Check every answer with an estimate",
        "On {n} quizzes in a row I write an estimate next to each answer and fix any answer "
        "that doesn't match it.",
        (3, 4),
        (
            "I make silly mistakes that an estimate would catch.",
            "My teacher says estimating is a superpower and I want it.",
        ),
        (
            "Practice estimating on the warm-up every day",
            "Write the estimate before solving",
            "Circle answers that are far from the estimate and redo them",
        ),
        ("Stop making careless mistakes", "Be more careful in math."),
    ),
    # Social-emotional
    _idea(
        "speak-up",
        SOCIAL_EMOTIONAL,
        "Share an idea in every class discussion",
        "Speak at least once in every seminar or class discussion for {n} weeks, tracked on my "
        "sticky-note chart.",
        (4, 6),
        (
            "I have ideas but I wait too long and then someone else says them.",
            "I want my teachers to know what I think, not just what I write.",
        ),
        (
            "Write one thing to say before each discussion",
            "Speak in the first ten minutes",
            "Mark my chart after each class",
            "Tell my advisor how it went on Fridays",
        ),
        ("Talk more in class", "Participate more."),
    ),
    _idea(
        "ask-help",
        SOCIAL_EMOTIONAL,
        "Ask for help when I'm stuck",
        "When I'm stuck for more than {n} minutes I ask a classmate or a teacher, and I note it "
        "in my planner at least 3 times a week.",
        (5, 10),
        (
            "I sit there stuck for a whole period because I don't want to look dumb.",
            "Asking for help is a skill I'll need in high school.",
        ),
        (
            "Use the help card on my desk",
            "Pick one classmate per class I can ask",
            "Track it in my planner",
        ),
        ("Ask for help more", "Don't stay stuck."),
    ),
    _idea(
        "calm",
        SOCIAL_EMOTIONAL,
        "Use a calm-down strategy when I get frustrated",
        "Use breathing or a short walk instead of shutting down at least {n} out of 5 times I "
        "notice I'm frustrated, written in my reflection journal.",
        (3, 4),
        (
            "When I get frustrated I stop working and the rest of the day goes badly.",
            "I want to handle hard moments better, at school and at home.",
        ),
        (
            "Practice box breathing with the counselor",
            "Agree on a break signal with my teachers",
            "Write in my reflection journal after a hard moment",
        ),
        ("Get less frustrated", "Be calmer."),
    ),
    _idea(
        "teammate",
        SOCIAL_EMOTIONAL,
        "Be a better teammate in group projects",
        "Do my part by every group deadline and ask each teammate for their idea; my group "
        "rates me 4 or 5 out of 5 on the next {n} projects.",
        (2, 3),
        (
            "In the last project I did everything myself and my group was upset.",
            "I want people to want me in their group.",
        ),
        (
            "Make a task list with my group on day one",
            "Ask each person for their idea before sharing mine",
            "Finish my part two days before the deadline",
        ),
        ("Work better in groups", "Be nicer in groups."),
    ),
    _idea(
        "new-people",
        SOCIAL_EMOTIONAL,
        "Get to know {n} new people this term",
        "Sit with or work with {n} people I don't usually talk to and learn one thing about "
        "each of them.",
        (3, 4, 5),
        (
            "I'm new this year and I only really know two people.",
            "My friend group is small and I want to branch out.",
        ),
        (
            "Join one club",
            "Sit somewhere new at lunch once a week",
            "Ask a new partner one question about them in group work",
        ),
        ("Make new friends", "Meet new people."),
    ),
    _idea(
        "keep-trying",
        SOCIAL_EMOTIONAL,
        "Keep trying when something is hard",
        "Try at least {n} strategies before I ask for the answer on hard problems, tracked in my "
        "planner for 4 weeks.",
        (2, 3),
        (
            "I give up fast and then I feel bad about it.",
            "I want to prove to myself I can figure hard things out.",
        ),
        (
            "Make a list of strategies to try",
            "Tape the list inside my binder",
            "Tally the strategies I tried each day",
        ),
        ("Don't give up", "Try harder."),
    ),
    # Personal
    _idea(
        "bedtime",
        PERSONAL,
        "Lights out by {n}:30 on school nights",
        "Lights out by {n}:30 pm on at least 4 school nights a week, tracked on my calendar.",
        (9, 10),
        (
            "I'm exhausted in first period and it's affecting everything.",
            "My soccer coach says sleep is part of training.",
        ),
        (
            "Charge my phone in the kitchen",
            "Pack my bag before dinner",
            "Mark the calendar every morning",
        ),
        ("Go to bed earlier", "Sleep more."),
    ),
    _idea(
        "planner",
        PERSONAL,
        "Use my planner every day",
        "Write every assignment in my planner and check it before I leave school, {n} days out "
        "of 5, checked with my advisor on Fridays.",
        (4, 5),
        (
            "I keep forgetting assignments and then I panic on Sunday night.",
            "I want to be more independent so my parents don't have to remind me.",
        ),
        (
            "Keep the planner in the front pocket of my backpack",
            "Fill it in at the end of each class",
            "Check it at my locker before I leave",
            "Show it to my advisor on Fridays",
        ),
        ("Be more organized", "Use my planner."),
    ),
    _idea(
        "5k",
        PERSONAL,
        "Run a 5K without stopping",
        "Run 3 times a week, adding {n} minutes each week, until I can run 5 km without stopping.",
        (2, 3),
        (
            "My mom and I want to run the Turkey Trot together.",
            "I want to be in better shape for basketball season.",
        ),
        (
            "Download a couch-to-5K plan",
            "Run Monday, Wednesday and Saturday",
            "Log every run",
            "Do a practice 5K with my family",
        ),
        ("Get in shape", "Run more."),
    ),
    _idea(
        "screen-time",
        PERSONAL,
        "Keep my phone time under {n} hours a day",
        "My screen time report is under {n} hours a day on school days for 4 weeks in a row.",
        (2, 3),
        (
            "I lose whole evenings to videos and then I'm behind on everything.",
            "I want more time for drawing, which I actually love.",
        ),
        (
            "Turn on app limits",
            "Put my phone away during homework",
            "Check the screen time report every Sunday",
        ),
        ("Less phone", "Use my phone less."),
    ),
    _idea(
        "instrument",
        PERSONAL,
        "Practice guitar {n} minutes a day",
        "{n} minutes of practice at least 5 days a week, and 3 full songs I can play for my "
        "family.",
        (15, 20, 30),
        (
            "I got a guitar for my birthday and I barely touch it.",
            "Music is how I relax and I want to get good at it.",
        ),
        (
            "Keep the guitar out of its case so it's easy to grab",
            "Learn one song at a time",
            "Play for my family at the end of each month",
        ),
        ("Practice guitar", "Get better at guitar."),
    ),
    _idea(
        "volunteer",
        PERSONAL,
        "Volunteer {n} hours at the animal shelter",
        "Log {n} hours of volunteering this year, signed off by the shelter coordinator.",
        (15, 20),
        (
            "I want to be a vet and this is a way to start.",
            "I love animals and the shelter needs help on weekends.",
        ),
        (
            "Sign up for the Saturday morning shift",
            "Keep my hours log in my planner",
            "Ask the coordinator to sign it every month",
        ),
        ("Volunteer", "Help animals."),
        horizon="year",
    ),
    _idea(
        "cook",
        PERSONAL,
        "Cook dinner for my family {n} times",
        "Plan, shop for and cook {n} dinners, with a photo and one thing I learned each time.",
        (4, 6),
        (
            "I want to be able to take care of myself, and I like cooking with my grandma.",
            "My parents work late on Thursdays and I want to help.",
        ),
        (
            "Pick recipes with my grandma",
            "Make the shopping list myself",
            "Take a photo and write what I learned",
        ),
        ("Learn to cook", "Cook sometimes."),
    ),
)

# Goals tied to the student's math targets: progress comes from their mastery.
LINKED_TITLE = "Reach Meets on my next {n} math targets"
LINKED_CRITERIA = "Meets or better on each of these, shown on my mastery map: {targets}."
LINKED_FIRST = ("Do better in math", "Get better scores.")
LINKED_WHYS = (
    "I want to stay on pace with my pathway instead of catching up at the end.",
    "I know I can do these if I keep practicing and reassess when I'm ready.",
    "My mastery map has too much yellow and I want to change that.",
)
LINKED_STEPS = (
    "Check my mastery map every Monday",
    "Do the practice set for each target",
    "Ask for a reassessment when I feel ready",
    "Go to lunch help before each quiz",
)
NUMBER_WORDS: dict[int, str] = {1: "one", 2: "two", 3: "three", 4: "four"}


# --- Teachers' suggestions ----------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionData:
    key: str
    category: str
    title: str
    criteria: str
    why: str  # the teacher's words
    steps: tuple[str, ...]


SUGGESTIONS: tuple[SuggestionData, ...] = (
    SuggestionData(
        "challenge",
        NUMERACY,
        "Try one challenge problem every week",
        "Attempt the weekly challenge problem and explain your thinking in two or three "
        "sentences, every week until the end of the term.",
        "You finish the practice sets early and your explanations are clear. The challenge "
        "problems will stretch you, and showing your steps there will help on quizzes too.",
        (
            "Pick up the challenge problem on Monday",
            "Write your explanation before Friday",
            "Talk through one solution with me at lunch help",
        ),
    ),
    SuggestionData(
        "reassess",
        NUMERACY,
        "Reassess the two targets below Meets",
        "Do the reteach practice and reassess on both targets before winter break, reaching a "
        "3 or higher.",
        "You're very close on both. One more round of practice and a reassessment would turn "
        "them green.",
        (
            "Finish the reteach practice for the first target",
            "Book a reassessment time with me",
            "Repeat for the second target",
        ),
    ),
    SuggestionData(
        "nightly-reading",
        LITERACY,
        "Read for 20 minutes every school night",
        "Your reading log shows 20 minutes on at least 4 school nights every week.",
        "Your ideas in discussion are strong. More reading time will give you more to work "
        "with, and it's the best thing for your writing too.",
        (
            "Choose a book you actually want to read",
            "Keep a reading log in your binder",
            "Show me the log on Fridays",
        ),
    ),
    SuggestionData(
        "revise-paragraph",
        LITERACY,
        "Revise one paragraph of every essay",
        "Before turning in each of the next 3 essays, rewrite one body paragraph using the "
        "feedback checklist.",
        "Your first drafts have great ideas. A focused revision step will make them shine.",
        (
            "Pick the weakest paragraph",
            "Use the checklist to rewrite it",
            "Highlight what changed",
        ),
    ),
    SuggestionData(
        "one-question",
        SOCIAL_EMOTIONAL,
        "Ask one question in class each day",
        "Ask at least one question in class every day for 4 weeks, marked on your tracker.",
        "You often know more than you show. Your questions help the whole class, not just you.",
        (
            "Write a question in the margin during the lesson",
            "Ask it before the end of class",
            "Mark the tracker",
        ),
    ),
    SuggestionData(
        "friday-checkin",
        PERSONAL,
        "Check in with your advisor every Friday",
        "Meet for five minutes every Friday to look at missing work, 6 Fridays in a row.",
        "A short weekly check-in will help you stay on top of missing work before it piles up.",
        (
            "Bring your planner on Fridays",
            "List anything missing",
            "Pick one thing to finish by Monday",
        ),
    ),
    SuggestionData(
        "planner",
        PERSONAL,
        "Write every assignment in your planner",
        "Every assignment written in the planner the day it's given, checked on Fridays for 6 "
        "weeks.",
        "Most of the work you've missed this term was work you didn't know was due. A planner "
        "habit fixes that.",
        (
            "Keep the planner on your desk in every class",
            "Fill it in before you leave the room",
            "Check it at your locker at the end of the day",
        ),
    ),
)

LOGIN_SUGGESTION = "challenge"  # the one Ms. Rivera suggests to Sofia


# --- The login student's goals (Sofia Martinez, grade 7) --------------------------------------

LOGIN_LITERACY = GoalIdea(
    "login-novels",
    LITERACY,
    "Read 4 novels by winter break",
    "Finish 4 novels, at least one of them science fiction, and write a five-sentence review "
    "of each one in my reading log.",
    (4,),
    (
        "I love stories about space but I've been reading less since soccer started. I want "
        "to get back into it before winter break.",
    ),
    (
        "Pick my next book at the library every Friday",
        "Read 20 minutes before bed on school nights",
        "Write the review the day I finish a book",
    ),
    "Read more books",
    "Read more at home instead of being on my phone.",
)
LOGIN_LITERACY_PROGRESS = 75  # where the reading goal is now
# Her first check-ins on it (what helped, what got in the way, next step), oldest first.
LOGIN_LITERACY_CHECKINS: tuple[tuple[str, str, str], ...] = (
    (
        "Reading right before bed instead of my phone.",
        "Soccer practice ran late twice.",
        "Finish the first book by the weekend.",
    ),
    (
        "The first book (Hatchet) was really fast once I got into it.",
        "",
        "Pick a science fiction book for the next one.",
    ),
    (
        "The librarian found me a space book: The Wild Robot.",
        "I had a big math project so I only read three nights.",
        "Write the review for Hatchet.",
    ),
    (
        "Reading on the bus to away games.",
        "I got stuck on a slow part in the middle.",
        "Push through the slow part, it gets better.",
    ),
)

LOGIN_ACHIEVED = GoalIdea(
    "login-speak-up",
    SOCIAL_EMOTIONAL,
    "Share an idea in every Socratic seminar",
    "Speak at least once in every Humanities seminar for 6 weeks, tracked on my sticky-note chart.",
    (6,),
    (
        "I always have an idea but I wait too long and then someone else says it. I want my "
        "voice in the conversation.",
    ),
    (
        "Write one thing to say on a sticky note before each seminar",
        "Speak in the first ten minutes",
        "Mark my chart after each seminar",
    ),
    "Talk more in class",
    "Participate more.",
)
LOGIN_ACHIEVED_REFLECTION = (
    "I did it: I spoke in every seminar for six weeks! The sticky note helped a lot at the "
    "start, and by the end I didn't need it. What I learned is that speaking early is easier "
    "than waiting. Next I want to ask more questions, not just share answers."
)

LOGIN_NUMERACY_WHY = (
    "I want to finish all the Math 7 targets by spring. If I stay on pace now I won't have to "
    "catch up later."
)
LOGIN_NUMERACY_STEPS = (
    "Check my mastery map every Monday",
    "Show every step on the practice sets",
    "Ask Ms. Rivera for a reassessment when I'm ready",
)

# Comments on the login student's goals: (goal key, who, kind, body); who is "advisor",
# "parent" (the login parent), "student" or "humanities" (the Humanities teacher).
LOGIN_COMMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("literacy", "advisor", "approved", "Approved! Let's see which space book you pick first."),
    (
        "literacy",
        "parent",
        "encouragement",
        "Mija, I love seeing you reading at night again. Abuela wants to hear about the robot "
        "book on Sunday! Love, Mom",
    ),
    ("literacy", "student", "comment", "Thanks Mom! I'll tell her about it at dinner."),
    (
        "numeracy",
        "advisor",
        "comment",
        "Great choice of targets, Sofia. Your work on proportional relationships has been "
        "strong. Remember to show every step so I can see your reasoning.",
    ),
    ("numeracy", "student", "comment", "Thanks! I'm using the two-column layout now."),
    (
        "achieved",
        "humanities",
        "comment",
        "Sofia, your point about the narrator in today's seminar changed the whole discussion.",
    ),
    (
        "achieved",
        "advisor",
        "comment",
        "Congratulations, Sofia! Let's add this one to your conference portfolio.",
    ),
    (
        "achieved",
        "parent",
        "encouragement",
        "We are so proud of you! Papá says you should try out for the debate club next.",
    ),
)


# --- Check-ins: what the students write ---------------------------------------------------------

# The pools are by the kind of goal, so a reading goal's check-ins talk about reading.
READING, WRITING, MATH, SOCIAL, HABIT = "reading", "writing", "math", "social", "habit"
VOICES: dict[str, str] = {
    LITERACY: READING,
    NUMERACY: MATH,
    SOCIAL_EMOTIONAL: SOCIAL,
    PERSONAL: HABIT,
}
WRITING_GOALS: tuple[str, ...] = ("evidence", "revise", "journal", "revise-paragraph")


def voice_of(category: str, key: str) -> str:
    return WRITING if key in WRITING_GOALS else VOICES.get(category, HABIT)


HELPED: dict[str, tuple[str, ...]] = {
    READING: (
        "Reading right before bed instead of my phone.",
        "The book I picked is really good so it's easy to keep going.",
        "My reading buddy and I talked about our books at lunch.",
        "Setting a timer so I knew when I was done.",
        "The library had the next book in the series.",
        "Reading on the bus.",
    ),
    WRITING: (
        "Using the checklist before I turned it in.",
        "Writing a little every day instead of all at once.",
        "My partner's feedback in writing workshop.",
        "Starting early so I had time to fix things.",
        "Reading my draft out loud.",
        "The organizer from class.",
    ),
    MATH: (
        "Going to lunch help on Tuesday.",
        "Doing the practice problems the same day we learned them.",
        "Checking my answers with an estimate.",
        "Working with a partner who explains things differently.",
        "Redoing the problems I got wrong on the quiz.",
        "Watching the video from class again at home.",
        "Writing out every step, even the easy ones.",
    ),
    SOCIAL: (
        "Writing down my plan at the start of the day.",
        "My advisor reminded me at the start of class.",
        "Taking three deep breaths first.",
        "Seeing my streak on the tracking chart.",
        "Using the sentence starters card.",
        "Talking to my mom about it at dinner.",
        "My friends noticed and cheered me on.",
    ),
    HABIT: (
        "Putting my phone in the kitchen at night.",
        "Using the alarm on my watch.",
        "My dad did it with me on Saturday.",
        "Doing it right after school before anything else.",
        "Tracking it on the calendar on my door.",
        "My friend has the same goal so we remind each other.",
    ),
}

IN_THE_WAY: dict[str, tuple[str, ...]] = {
    READING: (
        "Soccer practice ran late three nights this week.",
        "I got stuck on a slow part of the book.",
        "I forgot my book at school over the weekend.",
        "Too much homework in other classes.",
        "I was sick for two days.",
        "I started a book I didn't like and it took a while to switch.",
    ),
    WRITING: (
        "I left the essay to the last night again.",
        "I didn't know how to explain my quote.",
        "Too much homework in other classes.",
        "My partner was absent so I didn't get feedback.",
        "I was sick for two days.",
    ),
    MATH: (
        "I rushed and made careless mistakes.",
        "I didn't understand the new unit at first.",
        "I skipped practice two days this week.",
        "Fractions still trip me up.",
        "I was absent for the lesson on Wednesday.",
        "I didn't ask for help when I should have.",
    ),
    SOCIAL: (
        "I got nervous and froze.",
        "I had a bad morning and didn't feel like trying.",
        "I got frustrated and forgot my strategy.",
        "I was tired this week.",
        "It was a busy week with tests.",
        "I forgot to mark my chart.",
    ),
    HABIT: (
        "I stayed up late on the weekend.",
        "It rained all week.",
        "We had family visiting.",
        "I forgot to track it for a few days.",
        "I had a big project due.",
        "I got bored of doing it every day.",
    ),
}

STALLED: tuple[str, ...] = (
    "Honestly I haven't been working on it much.",
    "I lost track of it when the project got busy.",
    "I'm not sure this is the right goal for me anymore.",
    "I keep meaning to start again and then I don't.",
)

NEXT_STEP: dict[str, tuple[str, ...]] = {
    READING: (
        "Finish the last 80 pages by Sunday.",
        "Pick my next book on Friday.",
        "Write down new words as I go.",
        "Read on the bus on the way to school.",
        "Ask the librarian for something like my last book.",
        "Read 10 more minutes on the weekend.",
    ),
    WRITING: (
        "Try the quote sandwich in my next paragraph.",
        "Finish the draft a day early.",
        "Ask my partner to check my evidence.",
        "Use the checklist before I turn it in.",
        "Write three entries before Sunday.",
    ),
    MATH: (
        "Redo the practice set on the topic I missed.",
        "Sign up for the reassessment next week.",
        "Bring two questions to lunch help.",
        "Practice 15 minutes each day before dinner.",
        "Show every step on the next quiz.",
        "Make flash cards for the formulas.",
    ),
    SOCIAL: (
        "Do it in the first ten minutes before I get nervous.",
        "Ask a question if I don't have an idea.",
        "Use my strategy before the test.",
        "Check in with my advisor on Friday.",
        "Keep my tracking chart on my desk.",
        "Ask a friend to remind me.",
    ),
    HABIT: (
        "Set a reminder on my phone.",
        "Start again on Monday even if the weekend goes badly.",
        "Plan the week on Sunday night.",
        "Ask my sister to check on me.",
        "Add two minutes each time.",
        "Put the calendar where I will see it.",
    ),
}


# --- Closing a goal: the student's reflection ---------------------------------------------------

ACHIEVED: dict[str, tuple[str, ...]] = {
    LITERACY: (
        "I did it! The hardest part was the first two weeks; after that reading before bed "
        "was just normal. I found out I like mysteries way more than fantasy.",
        "Getting evidence into every paragraph felt slow at first, but now I do it without "
        "thinking. My last essay got my best score this year.",
        "Writing a little every day was easier than a lot once a week. I'm keeping the habit.",
    ),
    NUMERACY: (
        "Going to help sessions was the key. I used to be embarrassed to go but now it's just "
        "a normal part of learning.",
        "Showing every step made me catch my own mistakes. I got Meets on every target in "
        "the unit.",
        "Practicing a little every day worked better than cramming. I'm going to keep doing it.",
    ),
    SOCIAL_EMOTIONAL: (
        "I spoke in every seminar! It got easier every week and the last time I didn't even "
        "need my sticky note.",
        "I noticed I get frustrated most in math, so now I take a break before I shut down. "
        "It works most of the time.",
        "I met people I never would have talked to. Two of them are in my lunch group now.",
    ),
    PERSONAL: (
        "Going to bed earlier made a bigger difference than I thought. I'm not tired in first "
        "period anymore.",
        "I ran the whole 5K without stopping! My time was 31 minutes and my mom cried a little.",
        "Having my planner every day means I stopped missing assignments. My advisor noticed too.",
    ),
}

NOT_MET: tuple[str, ...] = (
    "I got about halfway. I started strong but stopped tracking after the first month, and "
    "then it was hard to get going again. Next time I'll check in every week no matter what.",
    "I didn't make it, but I'm closer than when I started. The goal was too big for one term, "
    "so I'll set a smaller one next.",
    "Soccer season took over my evenings. I learned I need to plan around my schedule, not "
    "hope it works out.",
    "Some weeks I made progress and some weeks none. What worked was doing it first thing; "
    "what didn't was leaving it for the evening.",
    "Not met, but I know what to change: a smaller daily step and someone to check on me.",
)

SET_ASIDE: tuple[str, ...] = (
    "I'm setting this aside because my advisor and I agreed my reading goal matters more "
    "right now.",
    "This stopped making sense after I switched electives. I'll pick a new goal that fits.",
    "I realized this was more my parents' goal than mine. I want one I actually care about.",
    "I had too many goals at once. I'm keeping the other ones and letting this go for now.",
    "My schedule changed when I joined the team, so I'm pausing this until the season ends.",
)

DECLINED: tuple[str, ...] = (
    "I already have a goal like this and I'd rather focus on that one.",
    "I want to work on this, but next term. I have too much going on right now.",
    "I think a goal about speaking up fits me better. Can we talk about it in advisory?",
    "I'm already doing this as part of another goal, so it would be two goals for one thing.",
)


# --- Comments -----------------------------------------------------------------------------------

APPROVED_COMMENTS: tuple[str, ...] = (
    "Approved! I love how specific this is.",
    "Great goal, {name}. The tracking idea is a smart one.",
    "Approved. Let's look at it together in two weeks.",
    "Realistic and it matters to you: a great combination. Approved!",
    "Approved. Make sure your first action step happens this week.",
)

RETURN_COMMENTS: tuple[str, ...] = (
    "How will you measure it? Add a number so you'll know when you got there.",
    "I like the idea! Can you make it more specific: what exactly will you do, and how often?",
    "What does 'better' look like? Pick something you can count or check, and add a date.",
    "Good start, {name}. Add one or two action steps and how you'll track it, then send it back.",
)

ADVISOR_COMMENTS: tuple[str, ...] = (
    "Nice steady progress, {name}. What's one thing you could do this week to keep it going?",
    "I love that you're tracking this every week. Your check-ins show real effort.",
    "This is a great goal for you. Bring it to our Friday conference and we'll look at it.",
    "Your progress jumped this week. What made the difference?",
    "Let's look at your action steps together on Thursday; one of them might need to change.",
    "I noticed your confidence dropped a bit this week. Anything I can help with?",
    "Proud of how honest your reflections are, {name}. That's what makes this work.",
    "Good thinking on the next step. Small and specific is the way to go.",
)

SUBJECT_COMMENTS: dict[str, tuple[str, ...]] = {
    LITERACY: (
        "I can see this in your writing already, {name}. Keep going.",
        "Bring your reading log to our next writing conference and we'll pick your next book.",
    ),
    NUMERACY: (
        "Your last quiz showed it, {name}: every step was there.",
        "Come to lunch help on Tuesday and we'll work on the next target together.",
    ),
}

NUDGE_COMMENTS: tuple[str, ...] = (
    "Hi {name}, I haven't seen a check-in on this for a while. How is it going?",
    "{name}, let's talk about this goal in advisory this week. Is it still the right one?",
    "Quick reminder to check in when you can. Even a short one helps.",
)

CONGRATULATIONS: tuple[str, ...] = (
    "Congratulations, {name}! You earned this.",
    "What a finish! Let's add this to your conference portfolio.",
    "So proud of you, {name}. What's your next goal going to be?",
)

NOT_MET_COMMENTS: tuple[str, ...] = (
    "Not met isn't the end, {name}. Look at how far you came. Let's use what you learned "
    "for your next goal.",
    "Thanks for the honest reflection. Let's set a smaller first step next time.",
)

ENCOURAGEMENTS: tuple[str, ...] = (
    "So proud of you, {name}! Keep it up.",
    "We see how hard you're working on this. Let's celebrate when you get there!",
    "{name}, you've got this. Tell us how we can help at home.",
    "Love seeing your progress here. Proud of you!",
    "Great job sticking with it, {name}. One week at a time.",
    "We'll keep the evenings quiet after dinner so you have time for this. You can do it!",
    "Your hard work shows. We're cheering for you!",
)
ACHIEVED_ENCOURAGEMENTS: tuple[str, ...] = (
    "Congratulations, {name}! We're so proud of you.",
    "You did it! Pizza night on Friday to celebrate.",
)
SIGN_OFFS: dict[str, str] = {"mother": " Love, Mom", "father": " Love, Dad"}

REPLIES_TO_TEACHER: tuple[str, ...] = (
    "Thanks! I'll keep going.",
    "Thanks, I'll bring it on Friday.",
    "I think the timer helped the most.",
    "Sounds good, see you Thursday.",
    "Thanks, I'll try that.",
    "It was going to lunch help. I'm going again this week.",
)
REPLIES_TO_FAMILY: dict[str, tuple[str, ...]] = {
    "mother": ("Thanks Mom!", "Thanks Mom, I'll show you my log tonight."),
    "father": ("Thanks Dad!", "Thanks Dad! Can we go to the library Saturday?"),
    "grandparent": ("Thank you!", "Thanks! I'll tell you about it on Sunday."),
    "guardian": ("Thank you!", "Thanks, I will!"),
}


# --- How many of what --------------------------------------------------------------------------

NO_GOALS_SHARE = 0.08  # students who haven't set a goal yet
GOALS_PER_STUDENT: tuple[tuple[int, int], ...] = ((1, 3), (2, 5), (3, 3))  # (count, weight)

# Which state each further goal is in: (kind, weight). "returned" is a draft sent back with a
# comment; "suggested" a teacher's suggestion waiting for the student; "declined" one the
# student set aside.
GOAL_KINDS: tuple[tuple[str, int], ...] = (
    ("active", 66),
    ("proposed", 5),
    ("draft", 4),
    ("returned", 2),
    ("suggested", 4),
    ("achieved", 8),
    ("not_met", 4),
    ("set_aside", 3),
    ("declined", 2),
)
# At least one goal of each of these kinds, whatever the draw, for students outside the login
# teacher's advisory.
FORCED_KINDS: tuple[str, ...] = (
    "returned",
    "returned",
    "draft",
    "suggested",
    "declined",
    "achieved",
    "not_met",
    "set_aside",
)
LOGIN_ADVISORY_PROPOSALS = 4  # students of the login teacher's advisory waiting for approval

STALE_SHARE = 0.15  # active goals with no check-in for over a week
NEVER_CHECKED_IN_SHARE = 0.25  # of those, ones never checked in on since approval
PAST_TARGET_SHARE = 0.05  # active goals whose target date has passed
REVISED_SHARE = 0.12  # active goals revised after approval (their first version is in history)
ACCEPTED_SUGGESTION_SHARE = 0.1  # active goals that began as a teacher's suggestion
LINKED_SHARE = 0.5  # active numeracy goals tied to the student's math targets
