"""Task rules: specialized task phrases over lexicon tasks, title tasks, title-case clean-up (kg/extract 0.2)."""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one
from kg.extract.merge import lower_title_case


def _tasks(title: str, abstract: str) -> set[str]:
    x = extract_one(ExtractInput("p", title, abstract), fast=True)  # these tests pin the rules' own decision
    return {e.name for e in x.entities if e.type == "Task"}


def test_specialized_task_wins_over_lexicon_task():
    tasks = _tasks("", "We study continual domain adaptation and few-shot meta learning for image information retrieval.")
    assert {"continual domain adaptation", "few-shot meta learning", "image information retrieval"} <= tasks
    assert "domain adaptation" not in tasks


def test_non_specializing_modifier_keeps_lexicon_task():
    tasks = _tasks("", "Regularizers help prevent catastrophic forgetting and improve state-of-the-art classification.")
    assert "catastrophic forgetting" in tasks
    assert not any(t.startswith(("prevent", "art")) for t in tasks)


def test_specializer_that_is_an_entity_is_not_absorbed():
    x = extract_one(ExtractInput("p", "", "Results on ImageNet classification improve for cross-entropy classification."))
    names = {e.name: e.type for e in x.entities}
    assert names.get("ImageNet") == "Dataset"


def test_title_task_after_for():
    assert "premise selection" in _tasks("Deep Sequence Models for Premise Selection", "We study theorem proving.")
    assert "automated content analysis" in _tasks("Few-shot learning for automated content analysis", "We code arguments.")


def test_title_task_needs_a_preposition():
    assert not any("selection" in t for t in _tasks("Premise Selection Is Hard", "We study it."))


def test_evaluative_hyphen_modifier_is_dropped():
    tasks = _tasks("Polyhistor: Parameter-Efficient Multi-Task Adaptation for Dense Vision", "We adapt models.")
    assert "multi-task adaptation" in tasks


def test_weak_head_before_a_method_word_in_title_is_not_a_task():
    tasks = _tasks("LLM-MRD: LLM-Guided Multi-View Reasoning Distillation for Fake News Detection", "We distill.")
    assert "multi-view reasoning" not in tasks and "fake news detection" in tasks


def test_lower_title_case():
    assert lower_title_case("Multi-Object Tracking") == "multi-object tracking"
    assert lower_title_case("3D Object Detection") == "3D object detection"
    assert lower_title_case("LLM Comparative Reasoning") == "LLM comparative reasoning"


def test_tasks_listed_after_task_noun():
    tasks = _tasks("", "VAR generalizes to downstream tasks including image in-painting, out-painting, and editing.")
    assert {"image in-painting", "out-painting"} <= tasks
    assert "editing" not in tasks  # a vague single word is not enough
    tasks = _tasks("", "It supports image-to-image tasks, such as image refinement, in/out-painting, and image expansion.")
    assert {"image refinement", "in/out-painting", "image expansion"} <= tasks


def test_listed_items_must_be_task_like():
    tasks = _tasks("", "We consider problems such as the Netherlands, cheap labels and many others.")
    assert not tasks


def test_known_task_with_acronym_after_propose_stays_task():
    x = extract_one(ExtractInput("p", "", "We propose a retrieval model for visual question answering (VQA) on charts."))
    assert {e.name: e.type for e in x.entities}.get("visual question answering") == "Task"


def test_first_listed_task_survives_a_duplicate_phrase():
    tasks = _tasks("", "It supports tasks such as market forecasting, portfolio management, and quantitative trading.")
    assert {"market forecasting", "portfolio management", "quantitative trading"} <= tasks
