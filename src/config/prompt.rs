//! Plain line prompts: a question on the output, an answer line from the input. Works the same
//! on a terminal and on a pipe; the terminal does the line editing.

use std::io::{BufRead, Write};

/// Why a prompt could not get an answer.
#[derive(Debug)]
pub enum PromptError {
    /// The input closed (Ctrl-D, or the end of a piped file) before an answer came.
    Ended,
    Io(std::io::Error),
}

impl From<std::io::Error> for PromptError {
    fn from(e: std::io::Error) -> Self {
        PromptError::Io(e)
    }
}

/// One text question.
pub struct Ask<'a> {
    pub label: &'a str,
    /// One line explaining the property.
    pub help: &'a str,
    /// Offered in brackets; an empty answer takes it.
    pub default: Option<&'a str>,
    /// Whether an empty answer (with no default) is refused.
    pub required: bool,
}

pub struct Prompter<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead, W: Write> Prompter<R, W> {
    pub fn new(input: R, output: W) -> Self {
        Prompter { input, output }
    }

    /// Print a line (headings, notes).
    pub fn say(&mut self, text: &str) -> Result<(), PromptError> {
        writeln!(self.output, "{text}")?;
        Ok(())
    }

    /// Ask until `check` accepts the answer. `None` means "leave unset": an empty answer to an
    /// optional question with no default, or `-` to an optional question.
    pub fn text(
        &mut self,
        ask: &Ask,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>, PromptError> {
        writeln!(self.output, "\n  {}", ask.help)?;
        if !ask.required && ask.default.is_some() {
            writeln!(
                self.output,
                "  (Enter keeps the value in brackets, - clears it)"
            )?;
        }
        loop {
            let prompt = match ask.default {
                Some(default) => format!("{} [{default}]: ", ask.label),
                None => format!("{}: ", ask.label),
            };
            let answer = self.line(&prompt)?;
            let answer = match (answer.as_str(), ask.default) {
                ("-", _) if !ask.required => return Ok(None),
                ("", Some(default)) => default.to_owned(),
                ("", None) if !ask.required => return Ok(None),
                ("", None) => {
                    writeln!(self.output, "  ! {} is required.", ask.label)?;
                    continue;
                }
                (typed, _) => typed.to_owned(),
            };
            match check(&answer) {
                Ok(()) => return Ok(Some(answer)),
                Err(reason) => writeln!(self.output, "  ! {reason}; please try again.")?,
            }
        }
    }

    /// A yes/no question; an empty answer takes `default`.
    pub fn confirm(
        &mut self,
        question: &str,
        help: &str,
        default: bool,
    ) -> Result<bool, PromptError> {
        writeln!(self.output, "\n  {help}")?;
        let hint = if default { "Y/n" } else { "y/N" };
        loop {
            let answer = self.line(&format!("{question} ({hint}): "))?;
            match answer.to_ascii_lowercase().as_str() {
                "" => return Ok(default),
                "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                _ => writeln!(self.output, "  ! Please answer yes or no.")?,
            }
        }
    }

    /// Pick one of `options` (`(short name, description)`) by number or name; the first is
    /// the default. Returns the index.
    pub fn choose(
        &mut self,
        question: &str,
        options: &[(&str, &str)],
    ) -> Result<usize, PromptError> {
        writeln!(self.output, "{question}")?;
        for (i, (name, description)) in options.iter().enumerate() {
            writeln!(self.output, "  {}) {name}: {description}", i + 1)?;
        }
        loop {
            let answer = self
                .line(&format!("Choose 1-{} [1]: ", options.len()))?
                .to_ascii_lowercase();
            if answer.is_empty() {
                return Ok(0);
            }
            let by_number = answer
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=options.len()).contains(n))
                .map(|n| n - 1);
            let by_name = || {
                options
                    .iter()
                    .position(|(name, _)| name.to_ascii_lowercase().starts_with(&answer))
            };
            match by_number.or_else(by_name) {
                Some(index) => return Ok(index),
                None => writeln!(
                    self.output,
                    "  ! Please type a number from 1 to {}.",
                    options.len()
                )?,
            }
        }
    }

    /// Print `prompt`, read one line, trim it.
    fn line(&mut self, prompt: &str) -> Result<String, PromptError> {
        write!(self.output, "{prompt}")?;
        self.output.flush()?;
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            writeln!(self.output)?;
            return Err(PromptError::Ended);
        }
        Ok(line.trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompter(input: &str) -> Prompter<&[u8], Vec<u8>> {
        Prompter::new(input.as_bytes(), Vec::new())
    }

    const ASK: Ask = Ask {
        label: "Name",
        help: "a name",
        default: None,
        required: true,
    };

    #[test]
    fn text_asks_again_until_the_check_passes() {
        let mut p = prompter("\nbad\ngood\n");
        let answer = p
            .text(&ASK, |v| {
                if v == "good" {
                    Ok(())
                } else {
                    Err(format!("{v} is bad"))
                }
            })
            .unwrap();
        assert_eq!(answer.as_deref(), Some("good"));
        let shown = String::from_utf8(p.output).unwrap();
        assert!(
            shown.contains("! Name is required.")
                && shown.contains("! bad is bad; please try again."),
            "{shown}"
        );
    }

    #[test]
    fn text_defaults_and_clears() {
        let with_default = Ask {
            default: Some("old"),
            required: false,
            ..ASK
        };
        assert_eq!(
            prompter("\n")
                .text(&with_default, |_| Ok(()))
                .unwrap()
                .as_deref(),
            Some("old")
        );
        assert_eq!(
            prompter("-\n").text(&with_default, |_| Ok(())).unwrap(),
            None
        );
        assert_eq!(
            prompter("  new \r\n")
                .text(&with_default, |_| Ok(()))
                .unwrap()
                .as_deref(),
            Some("new")
        );
        let optional = Ask {
            required: false,
            ..ASK
        };
        assert_eq!(prompter("\n").text(&optional, |_| Ok(())).unwrap(), None);
    }

    #[test]
    fn end_of_input_is_reported() {
        assert!(matches!(
            prompter("").text(&ASK, |_| Ok(())),
            Err(PromptError::Ended)
        ));
        assert!(matches!(
            prompter("maybe\n").confirm("Q?", "h", true),
            Err(PromptError::Ended)
        ));
    }

    #[test]
    fn confirm_and_choose() {
        assert!(prompter("\n").confirm("Q?", "h", true).unwrap());
        assert!(!prompter("No\n").confirm("Q?", "h", true).unwrap());
        assert!(prompter("x\ny\n").confirm("Q?", "h", false).unwrap());
        let options = [("Basic Config", "a"), ("Advanced Config", "b")];
        assert_eq!(prompter("\n").choose("Which?", &options).unwrap(), 0);
        assert_eq!(prompter("2\n").choose("Which?", &options).unwrap(), 1);
        assert_eq!(prompter("9\nadv\n").choose("Which?", &options).unwrap(), 1);
    }
}
