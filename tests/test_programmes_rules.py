"""The rules of the promotion programme are data, each with its basis: a quoted clause of the seed
text, or a configurable local rule that says so; a rule without a basis is reported by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.programmes import ProgrammeError, load_programme, load_programmes
from tests.records_data import DATA, REPO

SEED_TEXT = Path("/work/shared/seed/anyang-implementation-opinions.txt")


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1) if text in line)


def test_the_shipped_promotion_programme_has_case_rules_validity_resit_and_review() -> None:
    promotion = load_programmes(REPO / "exams" / "programmes")["promotion"]
    assert promotion.cases and promotion.resit is not None and promotion.review is not None
    exam, talk, _oath, commitment = promotion.steps
    assert exam.valid_months == 24 and (talk.after, talk.before) == ("notice_start", "decision")
    assert commitment.text_required and commitment.before == "decision"
    assert (promotion.resit.max_resits, promotion.resit.window_months, promotion.resit.counts) == (1, 6, "latest")
    assert {r.name for r in promotion.rules} >= {"廉政知识测试有效期", "廉政谈话时间", "补考", "成绩复核"}


@pytest.mark.skipif(not SEED_TEXT.exists(), reason="the seed policy text is not on this machine")
def test_every_cited_rule_quotes_the_seed_and_the_city_examples_are_marked_local() -> None:
    seed = SEED_TEXT.read_text("utf-8")
    promotion = load_programmes(REPO / "exams" / "programmes")["promotion"]
    for rule in promotion.rules:
        if rule.basis.is_local:
            assert "本地规则（可配置）" in str(rule.basis)
        else:
            assert rule.basis.text in seed, rule.name
    local = {r.name for r in promotion.rules if r.basis.is_local}
    assert {"廉政知识测试有效期", "廉政谈话时间", "补考", "成绩复核"} <= local  # none of these is in the seed


def test_a_rule_without_a_basis_or_with_a_bad_value_is_reported_with_its_line() -> None:
    path = DATA / "bad_programmes" / "rule_without_basis.yaml"
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    text = str(caught.value)
    assert f"{path}:{_line_of(path, 'valid_months')}: 考试的有效期 须写明依据" in text
    assert f"{path}:{_line_of(path, 'appointment')}: after 应为 notice_start、notice_end、decision 之一" in text
    assert f"{path}:{_line_of(path, 'max_resits')}: 补考规则 的 max_resits 应为不小于 0 的整数" in text
    assert f"{path}:{_line_of(path, 'average')}: counts 应为 latest、best 之一" in text


def test_a_certificate_resting_on_the_test_is_valid_as_long_as_the_test() -> None:
    from datetime import date

    from grader.programmes import valid_until

    shipped = load_programmes(REPO / "exams" / "programmes")
    assert valid_until(shipped["promotion"], date(2026, 2, 28)) == date(2028, 2, 28)  # 24 months
    assert valid_until(shipped["induction"], date(2026, 2, 28)) is None  # no validity set
