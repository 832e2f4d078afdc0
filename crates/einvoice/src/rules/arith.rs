//! Overflow-safe decimal arithmetic for the calculation rules.
//!
//! `rust_decimal` holds a 96-bit integer with a scale of 0..=28 (|x| <= ~7.9e28), and its
//! operators (`+`, `-`, `*`, `/`, `Sum`) panic when a result does not fit. A document can
//! state any amount up to that limit, so every calculation on document values goes through
//! these helpers, which return `None` instead of panicking. (Division by a constant >= 1,
//! such as `/ Decimal::ONE_HUNDRED`, and `round`/`floor`/`abs`/negation cannot overflow.)
//!
//! Policy for `None`: the official artefacts compute with `xs:decimal`, i.e. with arbitrary
//! precision, so a result beyond our range is a real, huge number, while any value of the
//! document we could compare it with fits the range. The totals therefore do not match,
//! and the rule that needed the calculation reports its own finding as not holding, with
//! the computed value shown as [`TOO_LARGE`] ([`Ctx::fail_calc_checked`](super::Ctx::fail_calc_checked)).
//! To keep that faithful, [`sum`] only fails when the sum itself is out of range, never on
//! an intermediate result (`MAX + MAX - MAX` is `MAX`), and a difference that only feeds
//! a tolerance check ([`abs_diff`]) exceeds every tolerance when it overflows.

use rust_decimal::Decimal;

use crate::model::Num;

/// Shown as the computed (expected) value of a calculation whose result is out of range.
pub const TOO_LARGE: &str = "too large";

pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_add(b)
}

pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_sub(b)
}

pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

/// `a / b`; `None` on overflow and on division by zero.
pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(b)
}

/// `|a - b|`; `None` when the difference is out of range (so it exceeds any tolerance).
pub fn abs_diff(a: Decimal, b: Decimal) -> Option<Decimal> {
    sub(a, b).map(|d| d.abs())
}

/// `base * percent / 100`. When `base * percent` overflows but the result would fit, the
/// division is done first (exactly the same value when no digit is lost).
pub fn percent_of(base: Decimal, percent: Decimal) -> Option<Decimal> {
    mul(base, percent)
        .map(|p| p / Decimal::ONE_HUNDRED)
        .or_else(|| mul(base, percent / Decimal::ONE_HUNDRED))
}

/// Sum of the values; `None` only when the sum itself is out of range.
///
/// Adds in order (the common case, bit-identical to a plain fold); when a partial sum
/// overflows, the terms are re-added alternating signs, which keeps every partial sum
/// within `max(|term|, |sum|)`.
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Option<Decimal> {
    let mut it = values.into_iter();
    let mut acc = Decimal::ZERO;
    while let Some(v) = it.next() {
        match acc.checked_add(v) {
            Some(s) => acc = s,
            None => return balanced_sum([acc, v].into_iter().chain(it)),
        }
    }
    Some(acc)
}

/// Sum of the values of the given numbers (unparsable ones count as zero).
pub fn sum_nums<'a, 'd: 'a>(nums: impl IntoIterator<Item = &'a Num<'d>>) -> Option<Decimal> {
    sum(nums.into_iter().map(Num::dec))
}

fn balanced_sum(values: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    let (mut pos, mut neg): (Vec<Decimal>, Vec<Decimal>) =
        values.partition(|v| v.is_sign_positive());
    let mut acc = Decimal::ZERO;
    loop {
        // Prefer a term of the opposite sign: the partial sum then moves towards zero.
        // Without one, the remaining terms all move it monotonically to the final sum.
        let next = if acc.is_sign_negative() {
            pos.pop().or_else(|| neg.pop())
        } else {
            neg.pop().or_else(|| pos.pop())
        };
        match next {
            Some(v) => acc = acc.checked_add(v)?,
            None => return Some(acc),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MAX: Decimal = Decimal::MAX;
    const MIN: Decimal = Decimal::MIN;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn plain_operations_are_checked() {
        assert_eq!(add(MAX, Decimal::ONE), None);
        assert_eq!(sub(MIN, Decimal::ONE), None);
        assert_eq!(mul(MAX, Decimal::TWO), None);
        assert_eq!(div(MAX, d("0.5")), None);
        assert_eq!(div(Decimal::ONE, Decimal::ZERO), None);
        assert_eq!(add(d("1.10"), d("2.205")), Some(d("3.305")));
        assert_eq!(abs_diff(d("1"), d("3.5")), Some(d("2.5")));
        assert_eq!(abs_diff(MAX, MIN), None);
    }

    #[test]
    fn sums_fail_only_when_the_result_is_out_of_range() {
        assert_eq!(sum([]), Some(Decimal::ZERO));
        assert_eq!(sum([d("1.5"), d("-0.25"), d("2")]), Some(d("3.25")));
        assert_eq!(sum([MAX, MAX, -MAX]), Some(MAX));
        assert_eq!(sum([MAX, MAX, MIN, MIN, d("3")]), Some(d("3")));
        assert_eq!(sum([MIN, MIN, MAX, d("-1"), MAX]), Some(d("-1")));
        assert_eq!(sum([MAX, Decimal::ONE]), None);
        assert_eq!(sum([MAX, MAX, MIN]), Some(MAX));
        assert_eq!(sum([MIN, MIN, MAX, MIN]), None);
    }

    #[test]
    fn percentages_avoid_spurious_overflow() {
        assert_eq!(percent_of(d("200.00"), d("21")), Some(d("42.0000")));
        assert_eq!(percent_of(MAX, d("50")), Some(MAX / Decimal::TWO));
        assert_eq!(percent_of(MAX, d("101")), None);
        assert_eq!(percent_of(MAX, MAX), None);
    }
}
