//! Sign-up field validation: e-mail syntax, phone numbers (libphonenumber's
//! rules through the `phonenumber` crate, national numbers read in the
//! configured country), postcode patterns per country, names and choices.
//!
//! Values are personal data: a problem names the field and what is wrong,
//! never the value, so problems can be shown, returned and logged safely.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use thiserror::Error;

use super::feed::{Field, FieldKind};

/// Longest value accepted in any field (an address fits in 254 bytes).
const MAX_VALUE: usize = 254;

/// One field that cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct FieldProblem {
    /// The field's id in the feed.
    pub field: String,
    pub message: String,
}

/// Why a value of a kind is refused (the caller adds the field id).
type Checked = Result<String, String>;

/// An e-mail address: RFC 5322 syntax, a domain with a top-level domain, no
/// display text ("Ana <a@b.org>") and no IP literal. Returned trimmed.
pub fn email(value: &str) -> Checked {
    use email_address::{EmailAddress, Options};
    let value = value.trim();
    let options = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    EmailAddress::parse_with_options(value, options)
        .map(|_| value.to_string())
        .map_err(|_| "not an e-mail address".to_string())
}

/// A phone number valid by libphonenumber's metadata; a national number is
/// read as one of `country` (ISO 3166 alpha-2). Returned in E.164.
pub fn phone(value: &str, country: &str) -> Checked {
    let id: phonenumber::country::Id = country
        .to_ascii_uppercase()
        .parse()
        .map_err(|_| format!("no phone numbering plan for country {country:?}"))?;
    let number =
        phonenumber::parse(Some(id), value.trim()).map_err(|_| "not a phone number".to_string())?;
    if !number.is_valid() {
        return Err(format!("not a valid phone number (read in {country})"));
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Postcode patterns of the countries campaigns have asked for, on the
/// normalised form (upper case, single spaces). Others get a lenient check.
static POSTCODES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        // Royal Mail's formats: A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA, AA9A 9AA; GIR 0AA.
        (
            "GB",
            r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$",
        ),
        ("US", r"^[0-9]{5}(-[0-9]{4})?$"),
        ("FR", r"^[0-9]{5}$"),
        // Spain: the first two digits are the province, 01 to 52.
        ("ES", r"^(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}$"),
        ("DE", r"^(0[1-9]|[1-9][0-9])[0-9]{3}$"),
    ]
    .into_iter()
    .map(|(c, p)| {
        (
            c,
            Regex::new(p).expect("the postcode patterns are valid regexes"),
        )
    })
    .collect()
});

static LENIENT_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Z0-9][A-Z0-9 -]{1,9}$").expect("the lenient postcode pattern is valid")
});

/// A postcode of `country`, normalised (upper case; GB with its space).
pub fn postcode(value: &str, country: &str) -> Checked {
    let norm = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    let country = country.to_ascii_uppercase();
    let pattern = POSTCODES
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, re)| re)
        .unwrap_or(&LENIENT_POSTCODE);
    if !pattern.is_match(&norm) {
        return Err(format!("not a postcode of {country}"));
    }
    if country == "GB" && !norm.contains(' ') {
        // The inward code is always the last three characters.
        let (outward, inward) = norm.split_at(norm.len() - 3);
        return Ok(format!("{outward} {inward}"));
    }
    Ok(norm)
}

/// A name: printable text.
pub fn name(value: &str) -> Checked {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(value.to_string())
}

/// Checks a filled form against its fields; returns the normalised values
/// of the fields filled in (empty optional fields left out), or every problem.
pub fn form(
    fields: &[Field],
    answers: &BTreeMap<String, String>,
    country: &str,
) -> Result<BTreeMap<String, String>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut out = BTreeMap::new();
    for id in answers.keys() {
        if !fields.iter().any(|f| &f.id == id) {
            problems.push(FieldProblem {
                field: id.clone(),
                message: "the form has no such field".into(),
            });
        }
    }
    for f in fields {
        let value = answers.get(&f.id).map(|v| v.trim()).unwrap_or("");
        let problem = |message: String| FieldProblem {
            field: f.id.clone(),
            message,
        };
        if value.is_empty() {
            if f.required {
                problems.push(problem("required".into()));
            }
            continue;
        }
        if value.len() > MAX_VALUE {
            problems.push(problem(format!("longer than {MAX_VALUE} bytes")));
            continue;
        }
        let checked = match f.kind {
            FieldKind::Name => name(value),
            FieldKind::Email => email(value),
            FieldKind::Phone => phone(value, country),
            FieldKind::Postcode => postcode(value, country),
            FieldKind::Choice => f
                .choices
                .iter()
                .find(|c| c.id == value)
                .map(|c| c.id.clone())
                .ok_or_else(|| "not one of the choices".to_string()),
        };
        match checked {
            Ok(v) => {
                out.insert(f.id.clone(), v);
            }
            Err(m) => problems.push(problem(m)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interact::feed::Choice;

    #[test]
    fn emails_need_rfc_syntax_and_a_top_level_domain() {
        for (value, ok) in [
            ("ana@example.org", true),
            ("  ana.ruiz+tv@mail.example.co.uk ", true),
            ("\"quoted local\"@example.org", true),
            ("ana@localhost", false),
            ("ana@[127.0.0.1]", false),
            ("Ana <ana@example.org>", false),
            ("ana.example.org", false),
            ("ana@@example.org", false),
            ("ana@exa mple.org", false),
            ("", false),
        ] {
            assert_eq!(email(value).is_ok(), ok, "{value:?}");
        }
        assert_eq!(email(" a@b.org ").unwrap(), "a@b.org");
    }

    #[test]
    fn phone_numbers_are_checked_in_the_configured_country_and_given_in_e164() {
        for (value, country, want) in [
            ("020 7946 0018", "GB", Some("+442079460018")),
            ("07911 123456", "GB", Some("+447911123456")),
            ("+33 1 42 68 53 00", "GB", Some("+33142685300")),
            ("01 42 68 53 00", "FR", Some("+33142685300")),
            ("(201) 555-0123", "us", Some("+12015550123")),
            ("030 901820", "DE", Some("+4930901820")),
            ("12345", "GB", None),
            ("020 7946 001", "GB", None),
            ("not a number", "GB", None),
            ("020 7946 0018", "XX", None),
        ] {
            assert_eq!(
                phone(value, country).ok().as_deref(),
                want,
                "{value} in {country}"
            );
        }
        assert!(phone("1", "XX").unwrap_err().contains("country \"XX\""));
    }

    #[test]
    fn postcodes_follow_the_pattern_of_the_country() {
        for (value, country, want) in [
            ("SW1A 1AA", "GB", Some("SW1A 1AA")),
            ("sw1a1aa", "GB", Some("SW1A 1AA")),
            ("M1 1AE", "GB", Some("M1 1AE")),
            ("  b33   8th ", "GB", Some("B33 8TH")),
            ("GIR 0AA", "GB", Some("GIR 0AA")),
            ("SW1A 1A", "GB", None),
            ("12345", "GB", None),
            ("90210", "US", Some("90210")),
            ("90210-1234", "US", Some("90210-1234")),
            ("9021", "US", None),
            ("75008", "FR", Some("75008")),
            ("7500", "FR", None),
            ("28013", "ES", Some("28013")),
            ("53001", "ES", None),
            ("00100", "ES", None),
            ("10115", "DE", Some("10115")),
            ("00115", "DE", None),
            ("1010", "AT", Some("1010")),
            ("!!", "AT", None),
        ] {
            assert_eq!(
                postcode(value, country).ok().as_deref(),
                want,
                "{value} in {country}"
            );
        }
    }

    fn field(id: &str, kind: FieldKind, required: bool) -> Field {
        Field {
            id: id.into(),
            kind,
            label: id.into(),
            required,
            choices: if kind == FieldKind::Choice {
                vec![Choice {
                    id: "doors".into(),
                    label: "Knock on doors".into(),
                }]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn a_form_reports_every_problem_by_field_without_echoing_values() {
        let fields = [
            field("name", FieldKind::Name, true),
            field("email", FieldKind::Email, true),
            field("phone", FieldKind::Phone, false),
            field("postcode", FieldKind::Postcode, false),
            field("team", FieldKind::Choice, false),
        ];
        let answers = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let good = form(
            &fields,
            &answers(&[
                ("name", " Ana Ruiz "),
                ("email", "ana@example.org"),
                ("postcode", "sw1a1aa"),
                ("phone", ""),
            ]),
            "GB",
        )
        .unwrap();
        assert_eq!(good["name"], "Ana Ruiz");
        assert_eq!(good["postcode"], "SW1A 1AA");
        assert!(
            !good.contains_key("phone"),
            "an empty optional field is left out"
        );

        let problems = form(
            &fields,
            &answers(&[
                ("email", "secret-at-example.org"),
                ("team", "sofa"),
                ("shoe", "44"),
            ]),
            "GB",
        )
        .unwrap_err();
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            said,
            [
                "shoe: the form has no such field",
                "name: required",
                "email: not an e-mail address",
                "team: not one of the choices",
            ]
        );
        assert!(!said.concat().contains("secret"));
    }
}
