"""Coding questions: the offline notes give the structure, the prompt asks a model for it."""

from __future__ import annotations

import asyncio

from cuecard.assist.base import Prompt, TextDelta
from cuecard.assist.offline import CODING_HEADER, CODING_STEPS, MAX_BULLET_WORDS, OfflineProvider
from cuecard.assist.prompting import KIND_GUIDANCE, build_prompt

PROBLEM = (
    "Given an array of integers nums and an integer target, return indices of the two\n"
    "numbers such that they add up to target.\n\n"
    "Example 1:\nInput: nums = [2,7,11,15], target = 9\nOutput: [0,1]\n\n"
    "class Solution:\n    def twoSum(self, nums: list[int], target: int) -> list[int]:\n"
    "        pass\n"
)


def offline_text(prompt: Prompt) -> str:
    async def run() -> str:
        parts = [i.text async for i in OfflineProvider().stream(prompt, max_tokens=400)
                 if isinstance(i, TextDelta)]  # fmt: skip
        return "".join(parts)

    return asyncio.run(run())


def test_offline_notes_for_coding_follow_the_interviewers_order() -> None:
    prompt = build_prompt(PROBLEM, "coding", [], [])
    lines = offline_text(prompt).split("\n")
    assert lines[0] == CODING_HEADER
    labels = [line.removeprefix("- ").split(":")[0] for line in lines[1:]]
    assert labels == ["Clarify", "Brute force", "Better", "Tests"]
    assert all(len(line.removeprefix("- ").split()) <= MAX_BULLET_WORDS for line in lines[1:])


def test_offline_coding_notes_say_the_cost_and_the_complexity() -> None:
    brute, better = CODING_STEPS[1], CODING_STEPS[2]
    assert "cost" in brute
    assert "time and space" in better


def test_the_prompt_asks_a_model_for_the_same_structure_in_order() -> None:
    prompt = build_prompt(PROBLEM, "coding", [], [])
    guidance = KIND_GUIDANCE["coding"]
    assert guidance in prompt.system
    order = [guidance.index(word) for word in ("clarify", "brute force", "better", "tests")]
    assert order == sorted(order)
    assert "complexity" in guidance


def test_the_prompt_keeps_the_codes_lines_and_indentation() -> None:
    prompt = build_prompt(PROBLEM, "coding", [], [])
    user = prompt.messages[0].content
    assert "class Solution:\n    def twoSum(self, nums: list[int], target: int) -> list[int]:\n" \
        "        pass" in user  # fmt: skip


def test_a_technical_question_is_still_one_line_and_has_no_coding_guidance() -> None:
    prompt = build_prompt("How would you design\na rate limiter?", "technical", [], [])
    assert "How would you design a rate limiter?" in prompt.messages[0].content
    assert KIND_GUIDANCE["coding"] not in prompt.system


def test_a_long_problem_keeps_its_start_in_whole_lines() -> None:
    long = PROBLEM + "\n".join(f"Example {i}: Input: [{i}] Output: [{i}]" for i in range(2, 400))
    prompt = build_prompt(long, "coding", [], [], budget_tokens=900)
    user = prompt.messages[0].content
    assert "def twoSum(self, nums: list[int], target: int) -> list[int]:" in user
    assert "Example 399" not in user
