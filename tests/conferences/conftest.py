from tests.mastery.conftest import maths  # noqa: F401  (the fixture, for work samples)
