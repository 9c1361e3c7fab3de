//! # Grading: the student's numbers against the simulator's
//!
//! Work a problem out on paper first, then hand your numbers to `--answer`:
//!
//! ```text
//! scheduling jobs --policy sjf --jobs 8,3,5 --answer "turnaround=16,3,8"
//! scheduling jobs --policy sjf --jobs 8,3,5 --answer "response=8,0,3;wait=8,0,3"
//! scheduling states --program io,cpu --program cpu --answer "total=9;cpu_busy=5"
//! ```
//!
//! An answer is one or more `NAME=N,N,...` separated by `;`: a measure and
//! one number per job, in job order (for `states`, one number each). Every
//! number is checked on its own, and each wrong one is named with the right
//! value, so a student sees exactly where their reasoning went astray.

use std::fmt::Write as _;

/// The student's numbers for one measure, one per job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    /// The measure: `turnaround`, `response`, `wait`, `total`...
    pub name: String,
    /// The numbers, in job order.
    pub values: Vec<u32>,
}

/// A whole `--answer`: every measure the student gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The measures, in the order given.
    pub given: Vec<Given>,
}

/// The outcome of grading an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    /// What to print: one line per number given.
    pub report: String,
    /// How many numbers were right.
    pub right: usize,
    /// How many numbers were given.
    pub total: usize,
}

impl Grade {
    /// Whether every number was right.
    pub fn all_right(&self) -> bool {
        self.right == self.total
    }
}

/// Reads `--answer`'s value: `NAME=N,N,...` parts separated by `;`.
pub fn parse(text: &str) -> Result<Answer, String> {
    let mut given: Vec<Given> = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, numbers) = part.split_once('=').ok_or_else(|| {
            format!("`{part}` is not NAME=N,N,... (for example turnaround=8,11,16)")
        })?;
        let name = name.trim().to_ascii_lowercase();
        if given.iter().any(|g| g.name == name) {
            return Err(format!("`{name}` is given twice"));
        }
        let values = numbers
            .split(',')
            .map(|n| {
                n.trim().parse::<u32>().map_err(|_| {
                    format!("`{}` in `{part}` is not a whole number of ticks", n.trim())
                })
            })
            .collect::<Result<Vec<u32>, String>>()?;
        given.push(Given { name, values });
    }
    if given.is_empty() {
        return Err("give at least one NAME=N,N,... (for example turnaround=8,11,16)".into());
    }
    Ok(Answer { given })
}

impl Answer {
    /// Checks that every measure is one of `known` and has as many numbers
    /// as `truth` gives for it; `None` if it fits, else what is wrong.
    pub fn mismatch(
        &self,
        known: &[&str],
        truth: impl Fn(&str) -> Option<Vec<u32>>,
    ) -> Option<String> {
        self.given.iter().find_map(|g| match truth(&g.name) {
            None => Some(format!(
                "`{}` is not a measure here; give one of: {}",
                g.name,
                known.join(", ")
            )),
            Some(right) if right.len() != g.values.len() => Some(format!(
                "`{}` needs {} number{} (one per {}), not {}",
                g.name,
                right.len(),
                if right.len() == 1 { "" } else { "s" },
                if right.len() == 1 {
                    "run"
                } else {
                    "job, in job order"
                },
                g.values.len()
            )),
            Some(_) => None,
        })
    }

    /// Grades every number against `truth` (which knows every measure this
    /// answer names: see [`Answer::mismatch`]). `who` names the i-th number
    /// ("job 2"), or is empty for a single number.
    pub fn grade(
        &self,
        truth: impl Fn(&str) -> Option<Vec<u32>>,
        who: impl Fn(usize) -> String,
    ) -> Grade {
        let mut report = String::new();
        let (mut right, mut total) = (0, 0);
        for g in &self.given {
            let values = truth(&g.name).unwrap_or_default();
            for (i, (&theirs, &ours)) in g.values.iter().zip(&values).enumerate() {
                total += 1;
                let label = format!("{} {}", g.name, who(i));
                if theirs == ours {
                    right += 1;
                    let _ = writeln!(report, "  {:<16} {theirs:>5}  right", label.trim_end());
                } else {
                    let _ = writeln!(
                        report,
                        "  {:<16} {theirs:>5}  wrong: it is {ours}",
                        label.trim_end()
                    );
                }
            }
        }
        let _ = writeln!(report, "{right} of {total} right.");
        Grade {
            report,
            right,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A three-job problem's truth: FCFS on 8,3,5.
    fn truth(name: &str) -> Option<Vec<u32>> {
        match name {
            "turnaround" => Some(vec![8, 11, 16]),
            "response" => Some(vec![0, 8, 11]),
            _ => None,
        }
    }

    #[test]
    fn several_measures_separated_by_semicolons() {
        let answer = parse("turnaround=8,11,16; Response = 0,8,11").expect("valid");
        assert_eq!(answer.given.len(), 2);
        assert_eq!(answer.given[1].name, "response");
        assert_eq!(answer.given[1].values, [0, 8, 11]);
    }

    #[test]
    fn malformed_answers_say_what_is_wrong() {
        assert!(parse("").is_err());
        assert!(parse("turnaround").expect_err("no =").contains("NAME=N"));
        assert!(parse("wait=1,x").expect_err("not a number").contains("`x`"));
        assert!(parse("wait=1;wait=2").expect_err("twice").contains("twice"));
    }

    #[test]
    fn a_wrong_number_is_named_with_the_right_value() {
        let answer = parse("turnaround=8,11,15").expect("valid");
        assert_eq!(answer.mismatch(&["turnaround"], truth), None);
        let grade = answer.grade(truth, |i| format!("job {i}"));
        assert_eq!((grade.right, grade.total), (2, 3));
        assert!(!grade.all_right());
        assert!(
            grade.report.contains("turnaround job 2"),
            "{}",
            grade.report
        );
        assert!(grade.report.contains("wrong: it is 16"), "{}", grade.report);
    }

    #[test]
    fn unknown_measures_and_wrong_counts_are_refused() {
        let unknown = parse("speed=1,2,3").expect("valid syntax");
        assert!(
            unknown
                .mismatch(&["turnaround", "response"], truth)
                .is_some()
        );
        let short = parse("response=0,8").expect("valid syntax");
        let why = short.mismatch(&["response"], truth).expect("two of three");
        assert!(why.contains("needs 3 numbers"), "{why}");
    }
}
