"""Surfaces that must never become entities, and name variants typed and split correctly (kg/extract 0.2)."""

from __future__ import annotations

from kg.extract import ExtractInput, extract_one
from kg.extract.resources import lexicon_prefix, not_name_regex


def _ents(abstract: str, title: str = "") -> dict:
    x = extract_one(ExtractInput("p", title, abstract))
    return {m: e for e in x.entities for m in e.mentions}


def _names(abstract: str, title: str = "") -> dict[str, str]:
    x = extract_one(ExtractInput("p", title, abstract))
    return {e.name: e.type for e in x.entities}


def test_arxiv_ids_and_urls_are_not_entities():
    ents = _ents("We build on prior work (arXiv:1612.08083). Code: https://github.com/foo/ZetaNet-X and github.com/a/TP4.")
    assert not any("arXiv" in m or "github" in m or "http" in m for m in ents)


def test_hardware_is_not_an_entity():
    ents = _ents("We train ZetaNet on 8 A100 GPUs and 16xA100-40G nodes, with a Cross-GPU loss, and deploy on a TPU.")
    assert not {"A100", "16xA100-40G", "Cross-GPU", "TPU"} & set(ents)


def test_model_size_words_are_not_entities():
    ents = _ents("We pretrain a 340M-parameter model and a 7B-scale model.")
    assert not {"340M-parameter", "7B-scale"} & set(ents)


def test_latex_fragments_are_not_mentions():
    ents = _ents(r"We introduce \textbf{Nea}rest-Neighbor Label \textbf{R}efinement (NeaR), a method for labels.")
    assert not any("\\" in m or "{" in m for m in ents)


def test_not_name_regex_keeps_real_names():
    rx = not_name_regex()
    for name in ("ResNet-50", "T5", "A2C", "GPT-4o", "LLaMA-2", "mAP@50:95", "GPU memory"):
        assert not rx.search(name), name


def test_versioned_dataset_takes_base_type():
    assert _names("We evaluate ZetaNet on CIFAR-10.1 and ImageNet-V2.")["CIFAR-10.1"] == "Dataset"
    assert lexicon_prefix("Llama-3.1-8B-Instruct")[0] == "Method"
    assert lexicon_prefix("ImageNet-pretrained") is None


def test_slash_pair_yields_two_datasets():
    names = _names("We report results on CIFAR-10/100 with ResNet18/50 and ViT-B/16 backbones.")
    assert names.get("CIFAR-10") == "Dataset" and names.get("CIFAR-100") == "Dataset"
    assert names.get("ResNet18") == "Method" and names.get("ResNet50") == "Method"
    assert names.get("ViT-B/16") == "Method"  # a size suffix, not a pair


def test_model_version_is_not_a_metric():
    names = _names("We compare Gemini 3.1 Pro and GPT-5.4 on MMLU.")
    assert names.get("GPT-5.4") == "Method"
    assert names.get("Gemini 3.1 Pro") == "Method"
    assert "Pro" not in names


def test_title_case_suffix_split_only_after_acronyms():
    names = _names("We propose an LLM-Based planner and the Part-Aware Transformer for re-identification.")
    assert "LLM-Based" not in names and "Part" not in names


def test_generic_acronym_short_form_is_dropped():
    names = _names("Semantic segmentation in remote sensing (RS) is hard. We recover high-quality (HQ) images.")
    assert "RS" not in names and "HQ" not in names


def test_sensors_and_modalities_are_not_methods():
    names = _names("We fuse LiDAR and RGB-D inputs in bird's-eye view (BEV) for UAV navigation.")
    assert not {"LiDAR", "RGB-D", "BEV", "UAV", "bird's-eye view"} & set(names)


def test_sentence_final_period_after_versioned_name():
    assert _names("We evaluate on ImageNet-1K.").get("ImageNet") == "Dataset"


def test_title_case_adjective_is_not_a_name():
    names = _names("We propose a Retinex-Guided transformer and a QLoRA-fine-tuned Qwen model.")
    assert "Retinex-Guided" not in names and "QLoRA-fine-tuned" not in names
    assert names.get("QLoRA") == "Method"


def test_acronym_highlighting_and_dof_are_not_names():
    names = _names("We present X-DECODE: EXtreme Deblurring for 6-DoF pose tracking.")
    assert "EXtreme" not in names and "6-DoF" not in names


def test_dataset_of_long_form_is_a_dataset():
    names = _names("We release the Dataset of Parasitoid Wasps and Associated Hymenoptera (DAPWH).")
    assert names.get("Dataset of Parasitoid Wasps and Associated Hymenoptera") == "Dataset"


def test_preposition_does_not_start_a_task():
    x = extract_one(ExtractInput("p", "Grounding Beyond Detection: Contextual Understanding", "We ground objects."))
    assert not any(e.name.lower().startswith("beyond") for e in x.entities)


def test_gerund_title_prefix_is_not_a_name():
    x = extract_one(ExtractInput("p", "Evaluating YOLO Architectures: Implications for Vehicle Detection", "We test YOLO."))
    assert "Evaluating YOLO Architectures" not in {e.name for e in x.entities}


def test_metric_cutoff_variant_is_a_metric():
    assert _names("Our detector reaches a mAP75 of 40.1 on COCO.").get("mAP75") == "Metric"


def test_first_half_of_split_adjective_is_not_a_name():
    x = extract_one(ExtractInput("p", "DGFusion: Dual-guided Fusion for Detection", "We propose DGFusion."))
    assert "Dual" not in {e.name for e in x.entities}


def test_latex_percent_value_is_clean():
    x = extract_one(ExtractInput("p", "", "We propose ZetaNet. ZetaNet reaches an accuracy of 63.7\\% on ImageNet."))
    assert [r.value for r in x.results] == ["63.7%"]


def test_verbs_do_not_start_phrases():
    names = _names("Agents reduce errors by 13.5% and capture non-convex kernels; they reduce attention costs.")
    assert not {"reduce errors", "capture non-convex kernels", "reduce attention"} & set(names)


def test_team_name_with_at_is_not_a_metric():
    names = _names("We describe the DS@GT system and report Recall@10 and nDCG@k.")
    assert names.get("DS@GT") != "Metric"


def test_highlighting_and_unbalanced_parentheses_are_not_names():
    names = _names("We propose ALARM (hARmful memes) and MOPBnB(so) for planning.")
    assert "hARmful" not in names and not any("(" in n for n in names)


def test_metric_of_two_generic_words_is_kept_near_a_value():
    names = _names("We propose m2mKD. m2mKD improves OOD robustness by 4.2% on Tiny-ImageNet-R.")
    assert names.get("OOD robustness") == "Metric"
    assert "image encoder" not in _names("We use an image encoder and a text encoder.")
