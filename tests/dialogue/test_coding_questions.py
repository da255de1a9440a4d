"""A coding problem on screen is a ``coding`` question; one rule per test.

Two of the three parts of a problem statement (signature, examples, constraints)
make it coding; one alone does not, and a system-design prompt stays technical.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cuecard.dialogue.questions import analyse, classify, coding_parts

SCREENS = Path(__file__).resolve().parents[1] / "data" / "screens.jsonl"

SIGNATURE_PY = "class Solution:\n    def twoSum(self, nums: list[int], target: int) -> list[int]:"
SIGNATURE_JAVA = "public int[] twoSum(int[] nums, int target) {"
SIGNATURE_JS = "const twoSum = (nums, target) => {"
EXAMPLES = "Example 1:\nInput: nums = [2,7,11,15], target = 9\nOutput: [0,1]"
CONSTRAINTS = "Constraints:\n2 <= nums.length <= 10^4\n-10^9 <= nums[i] <= 10^9"
STATEMENT = ("Given an array of integers nums and an integer target, return indices of the two "
             "numbers such that they add up to target.")  # fmt: skip


@pytest.mark.parametrize("signature", [SIGNATURE_PY, SIGNATURE_JAVA, SIGNATURE_JS])
def test_a_signature_is_seen_in_python_java_and_javascript(signature: str) -> None:
    assert coding_parts(signature) == ("signature",)


def test_examples_are_seen_as_example_input_output_or_doctest_lines() -> None:
    assert coding_parts(EXAMPLES) == ("examples",)
    assert coding_parts(">>> median([1, 3, 5])\n3") == ("examples",)


def test_constraints_are_seen_as_a_heading_or_a_bounded_range() -> None:
    assert coding_parts("Constraints:\nAll values are unique.") == ("constraints",)
    assert coding_parts("1 <= n <= 10^5") == ("constraints",)
    assert coding_parts("1 ≤ k ≤ nums.length") == ("constraints",)


@pytest.mark.parametrize(
    "parts",
    [(SIGNATURE_PY, EXAMPLES), (SIGNATURE_JAVA, CONSTRAINTS), (EXAMPLES, CONSTRAINTS)],
)
def test_any_two_parts_make_a_coding_question(parts: tuple[str, str]) -> None:
    text = "\n\n".join([STATEMENT, *parts])
    assert classify(text) == "coding"


@pytest.mark.parametrize("part", [SIGNATURE_PY, EXAMPLES, CONSTRAINTS])
def test_one_part_alone_is_not_enough(part: str) -> None:
    assert classify(f"{STATEMENT}\n{part}") != "coding"


def test_a_full_problem_page_is_coding_through_analyse_too() -> None:
    text = "\n\n".join([STATEMENT, EXAMPLES, CONSTRAINTS, SIGNATURE_PY])
    analysis = analyse(text)
    kind = analysis.kind if analysis else classify(text)
    assert kind == "coding"


@pytest.mark.parametrize(
    "prompt",
    [
        "Design a URL shortener like bit.ly.\nRequirements:\n- 100M new URLs per day\n"
        "- Reads outnumber writes 100:1\nWhat would you store, and where?",
        "System design: a rate limiter for a public API. Discuss the trade-offs.",
    ],
)
def test_a_system_design_prompt_stays_technical(prompt: str) -> None:
    assert classify(prompt) == "technical"


def test_spoken_questions_about_code_stay_technical() -> None:
    assert classify("What's the time complexity of a binary search?") == "technical"
    assert classify("How would you implement an LRU cache?") == "technical"


def test_the_stubs_in_the_screen_set_are_coding() -> None:
    """The function stubs the OCR measurement renders (from CPython's statistics module)."""
    stubs = [json.loads(line) for line in SCREENS.read_text(encoding="utf-8").splitlines()]
    texts = [row["text"] for row in stubs if row["theme"] == "coderpad"]
    assert texts
    assert {classify(t) for t in texts} == {"coding"}
