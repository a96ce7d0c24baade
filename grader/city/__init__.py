"""A realistic synthetic city for tests and benchmarks: units, people with valid ID numbers, a
history of graded exam attempts and study credits, the same for the same seed."""

from grader.city.plan import CityError, CityPerson, CityPlan, CitySpec, CityUnit, plan_city
from grader.city.store import CityReport, build_city, generate_city

__all__ = ["CityError", "CityPerson", "CityPlan", "CityReport", "CitySpec", "CityUnit", "build_city", "generate_city",
           "plan_city"]
