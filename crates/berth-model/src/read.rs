//! The small conversions every view makes from the canonical tree: a scalar as text, a list
//! of scalars, a mapping of scalars. Each keeps the span of what it read.

use crate::source::Span;
use crate::value::{Map, Value};

/// A value read from the model, with where it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub span: Span,
}

impl<T> At<T> {
    /// The value, without its span.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// `Option<At<T>>` to `Option<T>`, for stages that need no provenance.
pub trait Plain<T> {
    fn plain(self) -> Option<T>;
}

impl<T> Plain<T> for Option<At<T>> {
    fn plain(self) -> Option<T> {
        self.map(At::into_inner)
    }
}

pub(crate) fn at<T>(v: &Value, value: T) -> At<T> {
    At {
        value,
        span: v.span,
    }
}

/// A string value as written.
pub(crate) fn str_at(v: Option<&Value>) -> Option<At<&str>> {
    let v = v?;
    Some(at(v, v.as_str()?))
}

/// Any scalar as text (numbers and booleans as Go prints them).
pub(crate) fn text_at(v: Option<&Value>) -> Option<At<String>> {
    let v = v?;
    Some(at(v, v.scalar_to_string()?))
}

pub(crate) fn bool_at(v: Option<&Value>) -> Option<At<bool>> {
    let v = v?;
    Some(at(v, v.as_bool()?))
}

pub(crate) fn int_at(v: Option<&Value>) -> Option<At<i64>> {
    let v = v?;
    Some(at(v, v.as_i64()?))
}

/// A sequence's scalars as text; other items are skipped.
pub(crate) fn list_at(v: Option<&Value>) -> Option<At<Vec<String>>> {
    let v = v?;
    let items = v.as_seq()?;
    Some(at(
        v,
        items.iter().filter_map(Value::scalar_to_string).collect(),
    ))
}

/// A sequence's scalars as text, each with where it is written.
pub(crate) fn items_at(v: Option<&Value>) -> Vec<At<String>> {
    v.and_then(Value::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|i| text_at(Some(i)))
        .collect()
}

/// A mapping's entries with their values as text (a null or a collection as empty text).
pub(crate) fn pairs_at(v: Option<&Value>) -> Option<At<Vec<(&str, String)>>> {
    let v = v?;
    Some(at(v, pairs(v.as_map()?)))
}

pub(crate) fn pairs(m: &Map) -> Vec<(&str, String)> {
    m.iter()
        .map(|(k, v)| (k.name.as_str(), v.scalar_to_string().unwrap_or_default()))
        .collect()
}
