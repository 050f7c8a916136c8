//! Option 2 of MLSpace's install guide: values written into `lib/constants.ts`.
//!
//! mlspace-cdk does not run TypeScript, so it reads the file with a TypeScript parser and takes
//! each `export const NAME = <literal>;` whose NAME is one of MLSpace 1.6.10's constants. A
//! literal is what people write there: a string in any of the three quote styles (a template
//! literal without `${}`), a number, `true`/`false`, an object of strings,
//! `Architecture.X86_64` / `Architecture.ARM_64`, `Runtime.PYTHON_3_x`, with or without a type
//! annotation or `as const`. Anything that needs TypeScript to evaluate (a call, another constant,
//! `process.env`, an operator, `${}`) is an error naming `lib/constants.ts:LINE:COLUMN`.
//! Exports that are not 1.6.10's constants are listed for the release guard, not read. The top
//! level is a whitelist (see [`parse`]); a second declaration of a name, a `Runtime` member
//! aws-cdk-lib does not have, and text nested too deep to parse safely (see `ts_source`) are
//! errors too: the TypeScript app would not compile, or mlspace-cdk could not be sure.

use indexmap::IndexMap;
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, Declaration, ExportNamedDeclaration, Expression, ObjectExpression,
    ObjectPropertyKind, PropertyKey, PropertyKind, Statement, UnaryOperator, VariableDeclaration,
    VariableDeclarationKind, VariableDeclarator,
};
use oxc_span::{GetSpan, SourceType, Span};
use serde_json::{Map, Value};

use super::defaults::{default_of, DefaultValue};

/// Option 2's file, relative to the source root.
pub const CONSTANTS_FILE: &str = "lib/constants.ts";

/// What `lib/constants.ts` sets, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConstantsTs {
    /// The configuration properties it sets, with their JSON values.
    pub values: Vec<Constant>,
    /// Every exported name, in file order (the release guard compares them with 1.6.10's).
    pub exports: Vec<Export>,
}

/// One property set by an `export const`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constant {
    pub name: String,
    pub value: Value,
    /// 1-based line of the name.
    pub line: usize,
}

/// An exported name and the 1-based line it is declared on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub line: usize,
}

/// What is wrong with `lib/constants.ts`. `origin` is the file's path; line and column are 1-based.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConstantsError {
    #[error("{origin}:{line}:{column}: not valid TypeScript: {message}; fix the file (the TypeScript app would not compile it either)")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{origin}:{line}:{column}: {name} is set to {found}, which only TypeScript can evaluate, and mlspace-cdk does not run TypeScript; write {expected} instead, or set {name} in lib/config.json")]
    NotALiteral {
        origin: String,
        line: usize,
        column: usize,
        name: String,
        found: String,
        expected: &'static str,
    },

    #[error("{origin}:{line}:{column}: {what} is not allowed in lib/constants.ts, which may hold only imports, `export const NAME = <literal>` and type declarations (type, interface, declare): other code could run when the TypeScript app loads the file and change a constant, and mlspace-cdk does not run TypeScript; remove it and write the values as literals, or set them in lib/config.json")]
    Statement {
        origin: String,
        line: usize,
        column: usize,
        what: String,
    },

    #[error("{origin}:{line}:{column}: {name} is declared a second time (first on line {first}); TypeScript would not compile the file: keep one declaration")]
    Duplicate {
        origin: String,
        line: usize,
        column: usize,
        name: String,
        first: usize,
    },

    #[error("{origin}:{line}:{column}: the text is nested more than {max} levels deep here (brackets and prefix operators); mlspace-cdk does not parse such text: write each value as a plain literal", max = super::ts_source::MAX_NESTING)]
    TooDeep {
        origin: String,
        line: usize,
        column: usize,
    },

    #[error("{origin}: {size} bytes, more than the {max} mlspace-cdk parses (MLSpace's own is about 8 KB); write the values as literals in a file of usual size, or set them in lib/config.json", max = super::ts_source::MAX_SOURCE)]
    TooLarge { origin: String, size: usize },

    #[error("{origin}:{line}:{column}: {name} must be {expected}, but it is {found}")]
    WrongType {
        origin: String,
        line: usize,
        column: usize,
        name: String,
        expected: &'static str,
        found: String,
    },
}

/// A value as written in the file, before it is checked against the property's kind.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(f64, String),
    Flag(bool),
    TextMap(IndexMap<String, String>),
    /// `Architecture.X`: the member name.
    Architecture(String),
    /// `Runtime.X`: the member name.
    Runtime(String),
}

/// Where a sub-expression that is not a literal starts, and what it is.
struct NotLiteral {
    span: Span,
    found: String,
}

/// Parse `text` (the content of `lib/constants.ts`). `is_release_constant` says which names are
/// MLSpace 1.6.10's constants (only those are read); `origin` names the file in messages.
///
/// The top level is a whitelist: imports, `export const NAME = <literal>` (and local `const`s of
/// literals), type declarations (`type`, `interface`, anything `declare`d) and empty statements,
/// which is everything MLSpace 1.6.10's own constants.ts holds. Anything else (a class, whose
/// static blocks and initializers run at load time; an enum or namespace, which are code; a
/// function; an expression statement; `export default <expression>`) could change a constant
/// when the TypeScript app loads the file, so it is an error at its position.
pub fn parse(
    text: &str,
    origin: &str,
    is_release_constant: impl Fn(&str) -> bool + Sync,
) -> Result<ConstantsTs, ConstantsError> {
    if text.len() > super::ts_source::MAX_SOURCE {
        return Err(ConstantsError::TooLarge {
            origin: origin.to_owned(),
            size: text.len(),
        });
    }
    let lines = LineIndex::new(text);
    if let Some(offset) = super::ts_source::too_deep(text) {
        let (line, column) = lines.position(offset);
        return Err(ConstantsError::TooDeep {
            origin: origin.to_owned(),
            line,
            column,
        });
    }
    super::ts_source::on_large_stack(|| parse_program(text, origin, &lines, &is_release_constant))
}

/// What a top-level statement that is not on the whitelist is, for messages.
fn refused_statement(statement: &Statement) -> Option<&'static str> {
    if let Some(declaration) = statement.as_declaration() {
        if declaration.declare() || declaration.is_type() {
            return None;
        }
        return match declaration {
            // `import x = require('m')` / `import x = N.y`: an import.
            Declaration::TSImportEqualsDeclaration(_) => None,
            // Overload signatures (no body) are types.
            Declaration::FunctionDeclaration(f) if f.body.is_none() => None,
            Declaration::VariableDeclaration(_) => None,
            Declaration::FunctionDeclaration(_) => Some("a function"),
            Declaration::ClassDeclaration(_) => {
                Some("a class (its static blocks and initializers run when the file loads)")
            }
            Declaration::TSEnumDeclaration(_) => Some("an enum"),
            _ => Some("a namespace or module"),
        };
    }
    match statement {
        Statement::ImportDeclaration(_)
        | Statement::EmptyStatement(_)
        | Statement::ExportNamedDeclaration(_)
        | Statement::ExportFromDeclaration(_)
        | Statement::ExportAllDeclaration(_) => None,
        Statement::ExportDeclaration(export) => refused_statement_of(&export.declaration),
        Statement::ExportDefaultDeclaration(_) => Some("`export default`"),
        Statement::ExpressionStatement(_) => Some("an expression statement"),
        _ => Some("a statement"),
    }
}

fn refused_statement_of(declaration: &Declaration) -> Option<&'static str> {
    if declaration.declare() || declaration.is_type() {
        return None;
    }
    match declaration {
        Declaration::VariableDeclaration(_) => None,
        Declaration::FunctionDeclaration(f) if f.body.is_none() => None,
        Declaration::FunctionDeclaration(_) => Some("an exported function"),
        Declaration::ClassDeclaration(_) => {
            Some("an exported class (its static blocks and initializers run when the file loads)")
        }
        Declaration::TSEnumDeclaration(_) => Some("an exported enum"),
        Declaration::TSImportEqualsDeclaration(_) => None,
        _ => Some("an exported namespace or module"),
    }
}

fn parse_program(
    text: &str,
    origin: &str,
    lines: &LineIndex,
    is_release_constant: &(dyn Fn(&str) -> bool + Sync),
) -> Result<ConstantsTs, ConstantsError> {
    let allocator = Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, text, SourceType::ts()).parse();
    if let Some(error) = parsed.diagnostics.errors().next() {
        let offset = error.labels.first().map_or(0, |l| l.offset() as usize);
        let (line, column) = lines.position(offset);
        let message = error.message.to_string();
        return Err(ConstantsError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            message,
        });
    }

    let mut out = ConstantsTs::default();
    // Every top-level variable, by name, and the line it is first declared on: TypeScript
    // refuses a second declaration of a `const`, so the file would not compile.
    let mut declared = Declared::default();
    let mut declare = |name: &str, span: Span| declared.declare(name, span, origin, lines);
    for statement in &parsed.program.body {
        if let Some(what) = refused_statement(statement) {
            return Err(statement_error(origin, lines, statement.span(), what));
        }
        let declaration = match statement {
            Statement::ExportDeclaration(export) => &export.declaration,
            Statement::ExportNamedDeclaration(export) => {
                export_list(export, origin, lines, is_release_constant, &mut out.exports)?;
                continue;
            }
            Statement::ExportFromDeclaration(_) | Statement::ExportAllDeclaration(_) => {
                out.exports.extend(re_exports(statement, lines));
                continue;
            }
            Statement::VariableDeclaration(local) => {
                check_locals(local, &mut declare, origin, lines)?;
                continue;
            }
            _ => continue,
        };
        let Declaration::VariableDeclaration(variables) = declaration else {
            for name in declaration_names(declaration) {
                let line = lines.position(declaration.span().start as usize).0;
                out.exports.push(Export { name, line });
            }
            continue;
        };
        for declarator in &variables.declarations {
            let BindingPattern::BindingIdentifier(id) = &declarator.id else {
                continue;
            };
            let name = id.name.to_string();
            declare(&name, id.span)?;
            let line = lines.position(id.span.start as usize).0;
            out.exports.push(Export {
                name: name.clone(),
                line,
            });
            if !is_release_constant(&name) || variables.declare {
                continue;
            }
            if let Some(constant) = release_value(name, line, variables, declarator, origin, lines)?
            {
                out.values.push(constant);
            }
        }
    }
    Ok(out)
}

/// The names `export { a } from '...'` and `export * from '...'` export (`*` for the latter).
fn re_exports(statement: &Statement, lines: &LineIndex) -> Vec<Export> {
    let mut exports = Vec::new();
    match statement {
        Statement::ExportFromDeclaration(export) => {
            for specifier in &export.specifiers {
                let name = specifier.exported.name().to_string();
                let line = lines.position(specifier.span.start as usize).0;
                exports.push(Export { name, line });
            }
        }
        Statement::ExportAllDeclaration(export) => {
            let line = lines.position(export.span.start as usize).0;
            exports.push(Export {
                name: "*".to_owned(),
                line,
            });
        }
        _ => {}
    }
    exports
}

/// A statement lib/constants.ts may not hold, at `span`.
fn statement_error(origin: &str, lines: &LineIndex, span: Span, what: &str) -> ConstantsError {
    let (line, column) = lines.position(span.start as usize);
    ConstantsError::Statement {
        origin: origin.to_owned(),
        line,
        column,
        what: what.to_owned(),
    }
}

/// Every top-level variable, by name, and the line it is first declared on: TypeScript
/// refuses a second declaration of a `const`, so the file would not compile.
#[derive(Default)]
struct Declared(std::collections::HashMap<String, usize>);

impl Declared {
    fn declare(
        &mut self,
        name: &str,
        span: Span,
        origin: &str,
        lines: &LineIndex,
    ) -> Result<(), ConstantsError> {
        let (line, column) = lines.position(span.start as usize);
        if let Some(first) = self.0.insert(name.to_owned(), line) {
            return Err(ConstantsError::Duplicate {
                origin: origin.to_owned(),
                line,
                column,
                name: name.to_owned(),
                first,
            });
        }
        Ok(())
    }
}

/// `export { a, b }`: the names are exported; a release constant may not be exported this way.
fn export_list(
    export: &ExportNamedDeclaration,
    origin: &str,
    lines: &LineIndex,
    is_release_constant: &(dyn Fn(&str) -> bool + Sync),
    exports: &mut Vec<Export>,
) -> Result<(), ConstantsError> {
    for specifier in &export.specifiers {
        let name = specifier.exported.name().to_string();
        let (line, column) = lines.position(specifier.span.start as usize);
        if is_release_constant(&name) && default_of(&name).is_some() {
            return Err(ConstantsError::NotALiteral {
                origin: origin.to_owned(),
                line,
                column,
                expected: expected(&name, default_of(&name).unwrap_or(DefaultValue::Unset)),
                name,
                found: "an `export { }` list".to_owned(),
            });
        }
        exports.push(Export { name, line });
    }
    Ok(())
}

/// A top-level `const`/`let`/`var` that is not exported.
fn check_locals(
    local: &VariableDeclaration,
    declare: &mut dyn FnMut(&str, Span) -> Result<(), ConstantsError>,
    origin: &str,
    lines: &LineIndex,
) -> Result<(), ConstantsError> {
    // A local's initializer runs too: only literals (which run nothing) pass.
    for declarator in &local.declarations {
        if let BindingPattern::BindingIdentifier(id) = &declarator.id {
            declare(&id.name, id.span)?;
        }
        if let Some(init) = &declarator.init {
            if literal(init).is_err() {
                let (line, column) = lines.position(init.span().start as usize);
                return Err(ConstantsError::Statement {
                    origin: origin.to_owned(),
                    line,
                    column,
                    what: "a local initialized with code".to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// The value lib/constants.ts gives the release constant `name` (declared on `line`), checked
/// to be a literal of the property's type; `None` for a name that is no property.
fn release_value(
    name: String,
    line: usize,
    variables: &VariableDeclaration,
    declarator: &VariableDeclarator,
    origin: &str,
    lines: &LineIndex,
) -> Result<Option<Constant>, ConstantsError> {
    let Some(kind) = default_of(&name) else {
        return Ok(None);
    };
    let at = |span: Span| lines.position(span.start as usize);
    let not_a_literal = |n: NotLiteral| {
        let (line, column) = at(n.span);
        ConstantsError::NotALiteral {
            origin: origin.to_owned(),
            line,
            column,
            name: name.clone(),
            found: n.found,
            expected: expected(&name, kind),
        }
    };
    if variables.kind != VariableDeclarationKind::Const {
        return Err(not_a_literal(NotLiteral {
            span: variables.span,
            found: format!(
                "a `{}` declaration (it could be reassigned)",
                variables.kind.as_str()
            ),
        }));
    }
    let Some(init) = &declarator.init else {
        return Err(not_a_literal(NotLiteral {
            span: declarator.span,
            found: "nothing".to_owned(),
        }));
    };
    let literal = literal(init).map_err(not_a_literal)?;
    let value = check(&name, kind, literal).map_err(|found| {
        let (line, column) = at(init.span());
        ConstantsError::WrongType {
            origin: origin.to_owned(),
            line,
            column,
            name: name.clone(),
            expected: expected(&name, kind),
            found,
        }
    })?;
    Ok(Some(Constant { name, value, line }))
}

/// Names declared by an exported type, interface, `declare`d class or function, `import =`, ...
/// (all unknown to MLSpace 1.6.10's constants.ts).
fn declaration_names(declaration: &Declaration) -> Vec<String> {
    declaration
        .id()
        .map(|id| id.name.to_string())
        .into_iter()
        .collect()
}

/// The literal an initializer writes, seen through parentheses, type assertions to `const`,
/// and `satisfies`.
fn literal(expression: &Expression) -> Result<Literal, NotLiteral> {
    let not = |found: &str| NotLiteral {
        span: expression.span(),
        found: found.to_owned(),
    };
    match expression {
        Expression::StringLiteral(s) => Ok(Literal::Text(s.value.to_string())),
        Expression::TemplateLiteral(t) => {
            if let Some(e) = t.expressions.first() {
                return Err(NotLiteral {
                    span: e.span(),
                    found: "a template literal with `${}`".to_owned(),
                });
            }
            let quasi = t.quasis.first().and_then(|q| q.value.cooked.as_ref());
            quasi
                .map(|q| Literal::Text(q.to_string()))
                .ok_or_else(|| not("a template literal with an invalid escape"))
        }
        Expression::NumericLiteral(n) => Ok(Literal::Number(n.value, number_text(n.value))),
        Expression::UnaryExpression(u)
            if u.operator == UnaryOperator::UnaryNegation
                && matches!(u.argument, Expression::NumericLiteral(_)) =>
        {
            let Expression::NumericLiteral(n) = &u.argument else {
                unreachable!("matched above")
            };
            Ok(Literal::Number(-n.value, number_text(-n.value)))
        }
        Expression::BooleanLiteral(b) => Ok(Literal::Flag(b.value)),
        Expression::ObjectExpression(object) => text_map(object),
        Expression::StaticMemberExpression(m) => match &m.object {
            Expression::Identifier(object) if !m.optional => match object.name.as_str() {
                "Architecture" => Ok(Literal::Architecture(m.property.name.to_string())),
                "Runtime" => Ok(Literal::Runtime(m.property.name.to_string())),
                other => Err(not(&format!("a member of {other}"))),
            },
            _ => Err(not("a member expression")),
        },
        Expression::ParenthesizedExpression(p) => literal(&p.expression),
        Expression::TSAsExpression(a) if a.type_annotation.is_const_type_reference() => {
            literal(&a.expression)
        }
        Expression::TSSatisfiesExpression(s) => literal(&s.expression),
        Expression::TSAsExpression(_) => Err(not("a type assertion other than `as const`")),
        Expression::Identifier(id) => Err(not(&format!("another constant ({})", id.name))),
        Expression::CallExpression(_) | Expression::NewExpression(_) => Err(not("a call")),
        Expression::BinaryExpression(b) => Err(not(&format!(
            "an expression with `{}`",
            b.operator.as_str()
        ))),
        Expression::LogicalExpression(l) => Err(not(&format!(
            "an expression with `{}`",
            l.operator.as_str()
        ))),
        Expression::ConditionalExpression(_) => Err(not("a conditional (`? :`)")),
        Expression::ArrayExpression(_) => Err(not("an array")),
        Expression::NullLiteral(_) => Err(not("null")),
        e if e.as_member_expression().is_some() => Err(not("a member expression")),
        _ => Err(not("an expression")),
    }
}

/// An object literal of string values (ADDITIONAL_LAMBDA_ENVIRONMENT_VARS), in its order.
fn text_map(object: &ObjectExpression) -> Result<Literal, NotLiteral> {
    let mut entries = IndexMap::new();
    for property in &object.properties {
        let ObjectPropertyKind::ObjectProperty(p) = property else {
            return Err(NotLiteral {
                span: property.span(),
                found: "a spread (`...`)".to_owned(),
            });
        };
        let key_error = || NotLiteral {
            span: p.span,
            found: "a computed key".to_owned(),
        };
        if p.computed || p.method || p.kind != PropertyKind::Init {
            return Err(key_error());
        }
        let key = match &p.key {
            PropertyKey::StaticIdentifier(id) => id.name.to_string(),
            PropertyKey::StringLiteral(s) => s.value.to_string(),
            _ => return Err(key_error()),
        };
        if p.shorthand {
            return Err(NotLiteral {
                span: p.span,
                found: format!("the shorthand `{key}` (another constant)"),
            });
        }
        match literal(&p.value)? {
            Literal::Text(text) => {
                entries.insert(key, text);
            }
            _ => {
                return Err(NotLiteral {
                    span: p.value.span(),
                    found: format!("a value of {key} that is not a string"),
                })
            }
        }
    }
    Ok(Literal::TextMap(entries))
}

/// A number as JSON writes it (`30`, `0.5`).
fn number_text(n: f64) -> String {
    Value::from(n).to_string().trim_end_matches(".0").to_owned()
}

/// What a property takes, for messages.
fn expected(name: &str, kind: DefaultValue) -> &'static str {
    match (name, kind) {
        ("LAMBDA_ARCHITECTURE", _) => "Architecture.X86_64 or Architecture.ARM_64",
        ("LAMBDA_RUNTIME", _) => "a Python runtime such as Runtime.PYTHON_3_11",
        (_, DefaultValue::Text(_) | DefaultValue::Unset) => "a string literal such as 'value'",
        (_, DefaultValue::Flag(_)) => "true or false",
        (_, DefaultValue::WholeMinutes(_)) => "a whole number of minutes, 1 or more",
        (_, DefaultValue::Minutes(_)) => "a number of minutes, 0 or more",
        (_, DefaultValue::TextMap) => "an object of strings such as { NAME: 'value' }",
    }
}

/// The JSON value of `literal` for property `name` of kind `kind`, or a description of what
/// was found instead.
fn check(name: &str, kind: DefaultValue, literal: Literal) -> Result<Value, String> {
    use DefaultValue as K;
    let describe = |literal: &Literal| match literal {
        Literal::Text(t) => format!("the string {t:?}"),
        Literal::Number(_, text) => format!("the number {text}"),
        Literal::Flag(b) => format!("{b}"),
        Literal::TextMap(_) => "an object".to_owned(),
        Literal::Architecture(m) => format!("Architecture.{m}"),
        Literal::Runtime(m) => format!("Runtime.{m}"),
    };
    match (name, kind, &literal) {
        ("LAMBDA_ARCHITECTURE", _, Literal::Architecture(member)) => match member.as_str() {
            "X86_64" => Ok(Value::from("x86_64")),
            "ARM_64" => Ok(Value::from("arm64")),
            _ => Err(describe(&literal)),
        },
        ("LAMBDA_RUNTIME", _, Literal::Runtime(member)) => python_runtime(member)
            .map(Value::from)
            .ok_or_else(|| describe(&literal)),
        ("LAMBDA_ARCHITECTURE" | "LAMBDA_RUNTIME", _, _) => Err(describe(&literal)),
        (_, K::Text(_) | K::Unset, Literal::Text(t)) => Ok(Value::from(t.as_str())),
        (_, K::Flag(_), Literal::Flag(b)) => Ok(Value::from(*b)),
        // The same bounds as a number in lib/config.json (merge::whole_number).
        (_, K::WholeMinutes(_), Literal::Number(n, _))
            if *n >= 1.0 && n.fract() == 0.0 && *n <= f64::from(u32::MAX) =>
        {
            Ok(Value::from(*n as u64))
        }
        // Passed on as written: an integer where it is one exactly, else the double itself
        // (1e21 stays 1e21, written as JavaScript writes it).
        (_, K::Minutes(_), Literal::Number(n, _)) if *n >= 0.0 => {
            Ok(if n.fract() == 0.0 && *n < 9_007_199_254_740_992.0 {
                Value::from(*n as u64)
            } else {
                Value::from(*n)
            })
        }
        (_, K::TextMap, Literal::TextMap(entries)) => Ok(Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect::<Map<String, Value>>(),
        )),
        _ => Err(describe(&literal)),
    }
}

/// `PYTHON_3_12` -> `python3.12`, for the members aws-cdk-lib has (TypeScript would not compile
/// another); one list with lib/config.json's LAMBDA_RUNTIME.
fn python_runtime(member: &str) -> Option<&'static str> {
    super::validate::python_runtime_of_member(member)
}

/// Byte offset to 1-based line and column (columns count characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        // TypeScript's line terminators: \n, \r\n, a lone \r, U+2028 and U+2029.
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, c) in text.char_indices() {
            match c {
                '\n' => starts.push(i + 1),
                '\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                '\u{2028}' | '\u{2029}' => starts.push(i + c.len_utf8()),
                _ => {}
            }
        }
        LineIndex { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests;
