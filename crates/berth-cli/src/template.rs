//! `--format` templates as the Docker CLI reads them (Go's text/template over a formatter
//! context): `{{.Field}}`, `{{.Label "key"}}`, the functions `json`, `lower`, `upper`,
//! `title`, `join`, `split`, `truncate` and `pad`, pipelines (`{{.Name | upper}}`), `{{json .}}`,
//! `\t` and `\n` escapes, and the `table` prefix, which adds a header row of the fields' column
//! names and aligns the columns as the Docker CLI does (`<no value>` for a field without one).
//! Used by `ps`, `ls`, `images` and `version`.

use std::fmt::Write as _;

/// A value a template can print: what the Go formatter contexts hold.
#[derive(Clone, Debug, PartialEq)]
pub enum TValue {
    Str(String),
    Int(i64),
    List(Vec<TValue>),
    /// A struct: its fields in declaration order (Go prints `{v1 v2}`, JSON an object).
    Obj(Vec<(&'static str, TValue)>),
}

impl TValue {
    pub fn str(s: impl Into<String>) -> TValue {
        TValue::Str(s.into())
    }

    /// Go's `%v`.
    fn go(&self) -> String {
        match self {
            TValue::Str(s) => s.clone(),
            TValue::Int(n) => n.to_string(),
            TValue::List(items) => {
                let parts: Vec<String> = items.iter().map(TValue::go).collect();
                format!("[{}]", parts.join(" "))
            }
            TValue::Obj(fields) => {
                let parts: Vec<String> = fields.iter().map(|(_, v)| v.go()).collect();
                format!("{{{}}}", parts.join(" "))
            }
        }
    }

    /// Go's `json.Marshal` (HTML characters escaped, as Go does).
    pub fn json(&self, out: &mut String) {
        match self {
            TValue::Str(s) => berth_emit::json::write_string(out, s),
            TValue::Int(n) => {
                let _ = write!(out, "{n}");
            }
            TValue::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.json(out);
                }
                out.push(']');
            }
            TValue::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    berth_emit::json::write_string(out, k);
                    out.push(':');
                    v.json(out);
                }
                out.push('}');
            }
        }
    }
}

/// One row a template is applied to: the fields (in the order of its JSON object, which is
/// alphabetical for the Docker CLI's contexts) and the labels `.Label "key"` reads.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub fields: Vec<(&'static str, TValue)>,
    pub labels: Vec<(String, String)>,
}

impl Row {
    fn field(&self, name: &str) -> Option<&TValue> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The whole row as one JSON object (`--format json`, `{{json .}}`).
    #[must_use]
    pub fn json(&self) -> String {
        let mut out = String::new();
        TValue::Obj(self.fields.clone()).json(&mut out);
        out
    }
}

/// A command's context: its rows' type name (for messages) and each field's column header.
pub struct Context {
    pub type_name: &'static str,
    pub headers: &'static [(&'static str, &'static str)],
}

/// A parsed `--format` value.
#[derive(Debug)]
pub enum Format {
    /// The command's own table.
    Table,
    /// One JSON object per row.
    Json,
    /// A template, with a header row when it came with the `table` prefix.
    Template { table: bool, nodes: Vec<Node> },
}

#[derive(Clone, Debug)]
pub enum Node {
    Text(String),
    /// A pipeline: commands separated by `|`.
    Action(Vec<Vec<Token>>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    /// `.` (the row).
    Dot,
    /// `.Name`.
    Field(String),
    /// A function name (`json`, `upper`, ...).
    Ident(String),
    Str(String),
    Int(i64),
}

/// Parses a `--format` value.
///
/// # Errors
/// An unclosed action, an unknown token or an unterminated string, with its column.
pub fn parse(format: &str) -> Result<Format, String> {
    match format {
        "" | "table" => return Ok(Format::Table),
        "json" => return Ok(Format::Json),
        _ => {}
    }
    let (table, body) = match format.strip_prefix("table") {
        Some(rest) if rest.starts_with([' ', '\t']) || rest.starts_with("\\t") => (true, rest),
        _ => (false, format),
    };
    let body = if table { body.trim_matches(' ') } else { body };
    let body = body.replace("\\t", "\t").replace("\\n", "\n");
    let nodes = parse_nodes(&body)?;
    // `{{json .}}` alone is the JSON format.
    if !table && is_json_of_dot(&nodes) {
        return Ok(Format::Json);
    }
    Ok(Format::Template { table, nodes })
}

fn is_json_of_dot(nodes: &[Node]) -> bool {
    matches!(nodes, [Node::Action(p)] if p.len() == 1
        && p[0] == [Token::Ident("json".into()), Token::Dot])
}

fn parse_nodes(s: &str) -> Result<Vec<Node>, String> {
    let mut nodes = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        let after = &rest[open + 2..];
        let (trim_left, after) = match after.strip_prefix("- ") {
            Some(a) => (true, a),
            None => (false, after),
        };
        if trim_left {
            text = text.trim_end();
        }
        if !text.is_empty() {
            nodes.push(Node::Text(text.to_string()));
        }
        let Some(close) = after.find("}}") else {
            return Err(format!(
                "template: column {}: unclosed action",
                offset + open + 1
            ));
        };
        let (inner, trim_right) = match after[..close].strip_suffix(" -") {
            Some(i) => (i, true),
            None => (&after[..close], false),
        };
        nodes.push(Node::Action(parse_pipeline(inner, offset + open + 3)?));
        let consumed = rest.len() - after.len() + close + 2;
        offset += consumed;
        rest = &rest[consumed..];
        if trim_right {
            let trimmed = rest.trim_start();
            offset += rest.len() - trimmed.len();
            rest = trimmed;
        }
    }
    if !rest.is_empty() {
        nodes.push(Node::Text(rest.to_string()));
    }
    Ok(nodes)
}

fn parse_pipeline(s: &str, column: usize) -> Result<Vec<Vec<Token>>, String> {
    let mut commands = vec![Vec::new()];
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '|' {
            commands.push(Vec::new());
            i += 1;
        } else if c == '"' {
            let mut lit = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "template: column {}: unterminated quoted string",
                            column + i
                        ))
                    }
                    Some('"') => break,
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('n') => lit.push('\n'),
                            Some('t') => lit.push('\t'),
                            Some(&other) => lit.push(other),
                            None => {}
                        }
                        i += 2;
                        continue;
                    }
                    Some(&ch) => lit.push(ch),
                }
                i += 1;
            }
            i += 1;
            push(&mut commands, Token::Str(lit));
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '|' {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let token = if word == "." {
                Token::Dot
            } else if let Some(name) = word.strip_prefix('.') {
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "template: column {}: bad field name {word:?}",
                        column + start
                    ));
                }
                Token::Field(name.to_string())
            } else if let Ok(n) = word.parse::<i64>() {
                Token::Int(n)
            } else if word.chars().all(|c| c.is_alphanumeric() || c == '_') {
                Token::Ident(word)
            } else {
                return Err(format!(
                    "template: column {}: unexpected {word:?} in action",
                    column + start
                ));
            };
            push(&mut commands, token);
        }
    }
    if commands.iter().any(Vec::is_empty) {
        return Err(format!(
            "template: column {column}: missing value in action"
        ));
    }
    Ok(commands)
}

fn push(commands: &mut [Vec<Token>], t: Token) {
    if let Some(last) = commands.last_mut() {
        last.push(t);
    }
}

/// Renders `rows` in `format` (a [`Format::Template`] or [`Format::Json`]); `Table` is the
/// command's own and is not handled here.
///
/// # Errors
/// A field the context does not have, or a function applied to the wrong arguments.
pub fn render(format: &Format, ctx: &Context, rows: &[Row]) -> Result<String, String> {
    match format {
        Format::Table => Err("the default table is the command's own".into()),
        Format::Json => Ok(rows.iter().map(|r| r.json() + "\n").collect()),
        Format::Template { table, nodes } => {
            let mut lines = Vec::new();
            if *table {
                lines.push(render_header(nodes, ctx));
            }
            for r in rows {
                lines.push(render_row(nodes, ctx, r)?);
            }
            if *table {
                let cells: Vec<Vec<String>> = lines
                    .iter()
                    .flat_map(|l| l.split('\n'))
                    .map(|l| l.split('\t').map(str::to_string).collect())
                    .collect();
                Ok(crate::table::tabwrite(&cells, 10, 3))
            } else {
                Ok(lines.iter().map(|l| format!("{l}\n")).collect())
            }
        }
    }
}

fn render_header(nodes: &[Node], ctx: &Context) -> String {
    let mut out = String::new();
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => {
                let field = p.iter().flatten().find_map(|t| match t {
                    Token::Field(f) => Some(f.as_str()),
                    _ => None,
                });
                let header = field
                    .and_then(|f| ctx.headers.iter().find(|(k, _)| *k == f))
                    .map_or("<no value>", |(_, h)| *h);
                out.push_str(header);
            }
        }
    }
    out
}

fn render_row(nodes: &[Node], ctx: &Context, row: &Row) -> Result<String, String> {
    let mut out = String::new();
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => {
                let mut value: Option<TValue> = None;
                for command in p {
                    value = Some(eval(command, value.take(), ctx, row)?);
                }
                if let Some(v) = value {
                    out.push_str(&v.go());
                }
            }
        }
    }
    Ok(out)
}

fn operand(t: &Token, ctx: &Context, row: &Row) -> Result<TValue, String> {
    match t {
        Token::Dot => Ok(TValue::Obj(row.fields.clone())),
        Token::Field(f) => row.field(f).cloned().ok_or_else(|| no_field(f, ctx, row)),
        Token::Str(s) => Ok(TValue::Str(s.clone())),
        Token::Int(n) => Ok(TValue::Int(*n)),
        Token::Ident(name) => Err(format!("template: {name:?} is not a value")),
    }
}

fn no_field(f: &str, ctx: &Context, row: &Row) -> String {
    let known: Vec<&str> = row.fields.iter().map(|(k, _)| *k).collect();
    format!(
        "template: can't evaluate field {f} in type {} (its fields: {})",
        ctx.type_name,
        known.join(", ")
    )
}

fn eval(
    command: &[Token],
    piped: Option<TValue>,
    ctx: &Context,
    row: &Row,
) -> Result<TValue, String> {
    let Some((head, rest)) = command.split_first() else {
        return Err("template: empty command".into());
    };
    let mut args = rest
        .iter()
        .map(|t| operand(t, ctx, row))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(p) = piped {
        args.push(p);
    }
    match head {
        Token::Field(f) if f == "Label" => match args.as_slice() {
            [TValue::Str(key)] => Ok(TValue::Str(
                row.labels
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            )),
            _ => Err("template: Label takes one string: {{.Label \"key\"}}".into()),
        },
        Token::Ident(name) => function(name, &args),
        other if args.is_empty() => operand(other, ctx, row),
        _ => Err("template: a value cannot take arguments".into()),
    }
}

fn text(v: &TValue) -> String {
    v.go()
}

fn function(name: &str, args: &[TValue]) -> Result<TValue, String> {
    let wrong = || format!("template: wrong number of arguments for {name}");
    match (name, args) {
        ("json", [v]) => {
            let mut out = String::new();
            v.json(&mut out);
            Ok(TValue::Str(out))
        }
        ("lower", [v]) => Ok(TValue::Str(text(v).to_lowercase())),
        ("upper", [v]) => Ok(TValue::Str(text(v).to_uppercase())),
        ("title", [v]) => {
            let s = text(v);
            let mut c = s.chars();
            Ok(TValue::Str(c.next().map_or_else(String::new, |f| {
                f.to_uppercase().collect::<String>() + c.as_str()
            })))
        }
        ("join", [TValue::List(items), sep]) => {
            let parts: Vec<String> = items.iter().map(text).collect();
            Ok(TValue::Str(parts.join(&text(sep))))
        }
        ("split", [s, sep]) => Ok(TValue::List(
            text(s)
                .split(text(sep).as_str())
                .map(|p| TValue::Str(p.to_string()))
                .collect(),
        )),
        ("truncate", [s, TValue::Int(n)]) => Ok(TValue::Str(
            text(s)
                .chars()
                .take(usize::try_from(*n).unwrap_or(0))
                .collect(),
        )),
        ("pad", [s, TValue::Int(before), TValue::Int(after)]) => {
            let spaces = |n: &i64| " ".repeat(usize::try_from(*n).unwrap_or(0));
            Ok(TValue::Str(format!(
                "{}{}{}",
                spaces(before),
                text(s),
                spaces(after)
            )))
        }
        ("json" | "lower" | "upper" | "title" | "join" | "split" | "truncate" | "pad", _) => {
            Err(wrong())
        }
        _ => Err(format!("template: function {name:?} not defined")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: Context = Context {
        type_name: "container",
        headers: &[
            ("Name", "NAME"),
            ("Ports", "PORTS"),
            ("Publishers", "PUBLISHERS"),
        ],
    };

    fn row(name: &str) -> Row {
        Row {
            fields: vec![
                ("Name", TValue::str(name)),
                ("Ports", TValue::str("1->2/tcp")),
                (
                    "Publishers",
                    TValue::List(vec![TValue::Obj(vec![
                        ("URL", TValue::str("127.0.0.1")),
                        ("TargetPort", TValue::Int(80)),
                    ])]),
                ),
            ],
            labels: vec![("com.docker.compose.service".into(), "web".into())],
        }
    }

    fn out(format: &str, rows: &[Row]) -> String {
        render(&parse(format).unwrap(), &CTX, rows).unwrap()
    }

    #[test]
    fn fields_functions_and_pipelines() {
        let rows = [row("p-web-1")];
        assert_eq!(out("{{.Name}}", &rows), "p-web-1\n");
        assert_eq!(
            out("{{.Name | upper}}:{{lower .Name}}", &rows),
            "P-WEB-1:p-web-1\n"
        );
        assert_eq!(
            out(r#"{{.Label "com.docker.compose.service"}}"#, &rows),
            "web\n"
        );
        assert_eq!(out("{{.Publishers}}", &rows), "[{127.0.0.1 80}]\n");
        assert_eq!(
            out("{{json .Publishers}}", &rows),
            "[{\"URL\":\"127.0.0.1\",\"TargetPort\":80}]\n"
        );
        assert_eq!(out("{{.Name}}\\t{{.Ports}}", &rows), "p-web-1\t1->2/tcp\n");
        assert_eq!(out("{{- .Name -}} x", &rows), "p-web-1x\n");
    }

    #[test]
    fn json_of_dot_is_the_json_format() {
        assert!(matches!(parse("{{json .}}").unwrap(), Format::Json));
        assert!(matches!(parse("json").unwrap(), Format::Json));
        assert!(matches!(parse("table").unwrap(), Format::Table));
        assert_eq!(
            out("json", &[row("a")]),
            "{\"Name\":\"a\",\"Ports\":\"1-\\u003e2/tcp\",\"Publishers\":[{\"URL\":\"127.0.0.1\",\"TargetPort\":80}]}\n"
        );
    }

    #[test]
    fn table_adds_headers_and_aligns() {
        let rows = [row("p-web-1"), row("p-db-1")];
        assert_eq!(
            out("table {{.Name}}\\t{{.Ports}}\\t{{.Nope2 | lower}}", &[]),
            "NAME      PORTS     <no value>\n"
        );
        assert_eq!(
            out("table {{.Name}}\\t{{.Ports}}", &rows),
            "NAME      PORTS\np-web-1   1->2/tcp\np-db-1    1->2/tcp\n"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let e = render(&parse("{{.Nope}}").unwrap(), &CTX, &[row("a")]).unwrap_err();
        assert!(
            e.contains("can't evaluate field Nope in type container"),
            "{e}"
        );
        assert!(parse("{{.Name").unwrap_err().contains("unclosed action"));
        assert!(parse("{{\"x}}").unwrap_err().contains("unterminated"));
        let e = render(&parse("{{nope .Name}}").unwrap(), &CTX, &[row("a")]).unwrap_err();
        assert!(e.contains("function \"nope\" not defined"), "{e}");
    }
}
