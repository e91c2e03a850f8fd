//! The dashboard's page: one self-contained HTML document (inline style, inline SVG, inline
//! script; nothing fetched from elsewhere). Rendered on the server with the status of the
//! moment, so that it reads without JavaScript; the script then follows the event stream and
//! redraws the table and the colours of the drawing as the engine reports changes. Every text
//! the compose files or the engine supply is escaped here, and written with `textContent` by
//! the script.

use std::fmt::Write as _;

use berth_docs::graph::service_node_id;
use berth_docs::html::escape;

use berth_engine::stats::binary_size;

use crate::findings::Finding;
use crate::status::{duration_text, ContainerStatus, State, Status};

/// The fill of a service's node in each state.
fn colour(state: State) -> &'static str {
    match state {
        State::Healthy => "#9be29b",
        State::Running => "#c9efc9",
        State::Starting => "#fff1a8",
        State::Created | State::Paused => "#e3e6ea",
        State::Restarting => "#ffd08a",
        State::Exited | State::Dead => "#f4b6b6",
        State::Unhealthy => "#ff8080",
        State::Missing => "#ffffff",
    }
}

/// The style rules that colour each service's node by its state.
#[must_use]
pub fn node_styles(status: &Status) -> String {
    let mut out = String::new();
    for s in &status.services {
        let _ = write!(
            out,
            "#{}>rect{{fill:{}}}",
            service_node_id(&s.name),
            colour(s.state)
        );
    }
    out
}

/// A container's line: its name and status, exit code, uptime, restarts, CPU and memory.
fn container_line(c: &ContainerStatus) -> String {
    let mut text = format!("{}: {}", c.name, c.status);
    if let Some(node) = &c.node {
        let _ = write!(text, " · on {node}");
    }
    if let Some(e) = c.exit_code {
        let _ = write!(text, " (exit code {e})");
    }
    if let Some(up) = c.uptime {
        let _ = write!(text, " · up {}", duration_text(up));
    }
    if c.restarts > 0 {
        let _ = write!(text, " · restarts {}", c.restarts);
    }
    if let Some(u) = c.usage {
        let _ = write!(
            text,
            " · CPU {:.2}% · memory {} / {}",
            u.cpu_percent,
            binary_size(u.memory),
            binary_size(u.memory_limit)
        );
    }
    text
}

/// The table of services, one row each.
fn table(page: &Page) -> String {
    let actions = if page.actions { "<th>Actions</th>" } else { "" };
    let mut out = format!(
        "<table id=\"services\"><thead><tr><th>Service</th><th>State</th><th>Replicas</th><th>Containers</th><th>Ports</th><th>Waits on</th><th>Labels</th>{actions}</tr></thead><tbody>",
    );
    for s in &page.status.services {
        let containers: Vec<String> = s
            .containers
            .iter()
            .map(|c| {
                let probe = c
                    .last_probe
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .map(|p| format!("<pre class=\"probe\">{}</pre>", escape(p)))
                    .unwrap_or_default();
                format!(
                    "<div class=\"c {}\">{}{probe}</div>",
                    c.state.name(),
                    escape(&container_line(c)),
                )
            })
            .collect();
        let ports: Vec<String> = s
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .map(|p| match &p.link {
                Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&p.text)),
                None => escape(&p.text),
            })
            .collect();
        // A dependency not there is what a service that has not started waits for; for one
        // that runs, it is a condition no longer met.
        let unmet = if s.running > 0 {
            ": not met"
        } else {
            ": waiting"
        };
        let waits: Vec<String> = s
            .waits_on
            .iter()
            .map(|w| {
                format!(
                    "<div class=\"{}\">{} ({}){}</div>",
                    if w.met { "met" } else { "waiting" },
                    escape(&w.service),
                    w.condition,
                    if w.met { "" } else { unmet }
                )
            })
            .collect();
        let own_labels = page
            .drawings
            .labels
            .iter()
            .find(|(name, _)| *name == s.name)
            .map(|(_, l)| l.as_slice())
            .unwrap_or_default();
        let label_text: Vec<String> = own_labels
            .iter()
            .map(|(k, v)| format!("<div>{}={}</div>", escape(k), escape(v)))
            .collect();
        let buttons = if page.actions {
            let forms: String = ["start", "stop", "restart"]
                .iter()
                .map(|a| {
                    format!(
                        "<form method=\"post\" action=\"/api/services/{}/{a}{}\"><button>{a}</button></form>",
                        escape(&s.name),
                        escape(page.query)
                    )
                })
                .collect();
            format!("<td class=\"actions\">{forms}</td>")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<tr id=\"svc-{name}\" data-service=\"{name}\"><td>{name}</td><td class=\"{state}\">{state}</td><td>{running}/{desired}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{buttons}</tr>",
            containers.join(""),
            ports.join("<br>"),
            waits.join(""),
            label_text.join(""),
            name = escape(&s.name),
            state = s.state.name(),
            running = s.running,
            desired = s.desired,
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The swarm's nodes, for a stack.
fn nodes(status: &Status) -> String {
    if status.nodes.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section><h2>Nodes</h2><table id=\"nodes-table\"><thead><tr><th>Node</th><th>Status</th><th>Availability</th><th>Manager</th><th>Engine</th></tr></thead><tbody>",
    );
    for n in &status.nodes {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&n.hostname),
            escape(&n.status),
            escape(&n.availability),
            escape(&n.manager_status),
            escape(&n.engine_version)
        );
    }
    out.push_str("</tbody></table></section>");
    out
}

/// The audit's findings, each linked to the row of the service it concerns.
fn findings(list: &[Finding]) -> String {
    if list.is_empty() {
        return "<p>No findings.</p>".into();
    }
    let mut out = String::from("<ul id=\"findings\">");
    for f in list {
        let service = f
            .service
            .as_deref()
            .map(|s| format!(" <a href=\"#svc-{0}\">{0}</a>", escape(s)))
            .unwrap_or_default();
        let location = f
            .location
            .as_deref()
            .map(|l| format!(" <span class=\"loc\">{}</span>", escape(l)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<li class=\"{sev}\"><span class=\"sev\">{sev}</span> <code>{}</code>{service}: {}{location}</li>",
            escape(&f.code),
            escape(&f.message),
            sev = f.severity,
        );
    }
    out.push_str("</ul>");
    out
}

/// A log panel per service: its last lines, followed while the panel is open (by the
/// script); without JavaScript, a link to the plain-text logs.
fn log_panels(page: &Page) -> String {
    page.status
        .services
        .iter()
        .map(|s| {
            format!(
                "<details class=\"logs\" data-service=\"{name}\"><summary>{name}</summary><a href=\"/api/logs/{name}{query}\">last 100 lines</a><pre></pre></details>",
                name = escape(&s.name),
                query = escape(page.query),
            )
        })
        .collect()
}

/// What the page draws that does not change while it runs: the services, networks and
/// startup-order views, and each service's labels.
pub struct Drawings {
    pub services: String,
    pub networks: String,
    /// The dependencies view: startup order, health-gated edges marked.
    pub startup: String,
    pub labels: Vec<(String, Vec<(String, String)>)>,
}

/// Everything the page shows.
pub struct Page<'a> {
    pub status: &'a Status,
    pub drawings: &'a Drawings,
    pub findings: &'a [Finding],
    /// Whether the services' start, stop and restart buttons are shown.
    pub actions: bool,
    /// `?token=…` as the page was asked for, for its links and forms; empty without a token.
    pub query: &'a str,
}

/// The page.
#[must_use]
pub fn render(page: &Page) -> String {
    let status = page.status;
    let legend: String = State::ALL
        .iter()
        .map(|s| {
            format!(
                "<span class=\"key\" style=\"background:{}\">{}</span>",
                colour(*s),
                s.name()
            )
        })
        .collect();
    let state_styles: String = State::ALL
        .iter()
        .map(|s| format!("td.{0},div.c.{0}{{background:{1}}}", s.name(), colour(*s)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{project} · berth dashboard</title>\
<style>{STYLE}{state_styles}</style><style id=\"nodes\">{fills}</style></head>\
<body><header><h1>{project}</h1><span id=\"engine\" class=\"up\">engine connected</span></header>\
<p class=\"legend\">{legend}</p>\
<section class=\"drawings\"><figure><figcaption>Services</figcaption>{services}</figure>\
<figure><figcaption>Networks</figcaption>{networks}</figure>\
<figure id=\"startup\"><figcaption>Startup order (dependencies first; health-gated edges marked)</figcaption>{startup}</figure></section>\
<section>{table}</section>{swarm}\
<section><h2>Audit</h2>{findings}</section>\
<section><h2>Logs</h2>{logs}</section>\
<section><h2>Events</h2><ul id=\"events\"></ul></section>\
<script>{SCRIPT}</script></body></html>\n",
        project = escape(&status.project),
        fills = node_styles(status),
        services = page.drawings.services,
        networks = page.drawings.networks,
        startup = page.drawings.startup,
        table = table(page),
        swarm = nodes(status),
        findings = findings(page.findings),
        logs = log_panels(page),
    )
}

const STYLE: &str = "body{font-family:sans-serif;margin:1em;color:#222;overflow-wrap:anywhere}\
header{display:flex;gap:1em;align-items:baseline;flex-wrap:wrap}\
#engine.up{color:#176317}#engine.down{color:#b00;font-weight:bold}\
.legend .key{display:inline-block;padding:0 .4em;margin:.1em;border:1px solid #999;border-radius:3px}\
.drawings{display:flex;flex-wrap:wrap;gap:1em}.drawings figure{margin:0;max-width:100%;overflow:auto}\
.drawings svg{max-width:100%;height:auto}\
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top;text-align:left}\
div.c{margin:.1em 0;padding:0 .2em}pre.probe{margin:0;white-space:pre-wrap;font-size:85%}.waiting{color:#b00}\
@media (max-width:700px){table,thead,tbody,tr,td,th{display:block}thead{display:none}}\
#events{font-family:monospace;max-height:20em;overflow:auto}details.logs pre{max-height:25em;overflow:auto;background:#f6f6f6;margin:.2em 0;white-space:pre-wrap}#findings .sev{font-weight:bold}#findings .error .sev{color:#b00}#findings .warning .sev{color:#a60}.loc{color:#666;font-family:monospace}td.actions form{display:inline}";

/// Follows `/api/events`; on each change fetches `/api/status` and redraws the table and the
/// node colours. Follows a service's logs while its panel is open. Sends the actions' forms
/// without leaving the page. Texts go in through `textContent`, never as markup.
const SCRIPT: &str = r#"(function(){
var q=location.search;
var colours={};
document.querySelectorAll('.legend .key').forEach(function(k){colours[k.textContent]=k.style.background;});
function el(tag,text,cls){var e=document.createElement(tag);if(text!==undefined)e.textContent=text;if(cls)e.className=cls;return e;}
function nodeId(n){return 's_'+n.replace(/[^A-Za-z0-9]/g,'_');}
function size(b){var u=['B','KiB','MiB','GiB','TiB'],i=0;while(b>=1024&&i<4){b/=1024;i++;}return (+b.toPrecision(4))+u[i];}
function line(c){
  var t=c.name+': '+c.status;
  if(c.exit_code!==null)t+=' (exit code '+c.exit_code+')';
  if(c.node)t+=' · on '+c.node;
  if(c.uptime)t+=' · up '+c.uptime;
  if(c.restarts>0)t+=' · restarts '+c.restarts;
  if(c.cpu_percent!==null)t+=' · CPU '+c.cpu_percent.toFixed(2)+'% · memory '+size(c.memory)+' / '+size(c.memory_limit);
  return t;
}
function redraw(st){
  var css='';
  st.services.forEach(function(s){
    css+='#'+nodeId(s.name)+'>rect{fill:'+colours[s.state]+'}';
    var row=document.querySelector('tr[data-service="'+CSS.escape(s.name)+'"]');
    if(!row)return;
    var cells=row.children;
    cells[1].textContent=s.state;cells[1].className=s.state;
    cells[2].textContent=s.replicas.running+'/'+s.replicas.desired;
    cells[3].replaceChildren();
    s.containers.forEach(function(c){var d=el('div',line(c),'c '+c.state);if(c.last_probe)d.appendChild(el('pre',c.last_probe,'probe'));cells[3].appendChild(d);});
    cells[4].replaceChildren();
    s.containers.forEach(function(c){c.ports.forEach(function(p){var a=el(p.link?'a':'span',p.published);if(p.link)a.href=p.link;cells[4].appendChild(a);cells[4].appendChild(el('br'));});});
    cells[5].replaceChildren();
    var unmet=s.replicas.running>0?': not met':': waiting';
    s.waits_on.forEach(function(w){cells[5].appendChild(el('div',w.service+' ('+w.condition+')'+(w.met?'':unmet),w.met?'met':'waiting'));});
  });
  document.getElementById('nodes').textContent=css;
}
// One status request at a time, so that answers cannot arrive out of order; events that come
// meanwhile ask for one more, after it.
var busy=false,again=false;
function refresh(){
  if(busy){again=true;return;}
  busy=true;again=false;
  fetch('/api/status'+q).then(function(r){return r.json();}).then(redraw).catch(function(e){window.berthError=String(e);})
    .then(function(){busy=false;if(again)refresh();});
}
var engine=document.getElementById('engine');
var feed=document.getElementById('events');
var source=new EventSource('/api/events'+q);
window.berthEvents=source;
source.onmessage=function(m){
  var e=JSON.parse(m.data);
  if(e.engine){engine.textContent='engine '+(e.engine==='lost'?'connection lost':'connected');engine.className=e.engine==='lost'?'down':'up';refresh();return;}
  var li=el('li',e.time+' '+e.service+' '+e.action+(e.name?' '+e.name:''));
  feed.insertBefore(li,feed.firstChild);
  while(feed.children.length>200)feed.removeChild(feed.lastChild);
  refresh();
};
source.onerror=function(){engine.textContent='dashboard connection lost';engine.className='down';};
source.onopen=function(){refresh();};
// A log panel follows its service's logs while it is open.
document.querySelectorAll('details.logs').forEach(function(d){
  var pre=d.querySelector('pre'),logs=null;
  d.addEventListener('toggle',function(){
    if(d.open&&!logs){
      pre.textContent='';
      logs=new EventSource('/api/logs/'+encodeURIComponent(d.dataset.service)+(q?q+'&':'?')+'follow=1&tail=100');
      logs.onmessage=function(m){
        pre.appendChild(document.createTextNode(m.data+'\n'));
        while(pre.childNodes.length>1000)pre.removeChild(pre.firstChild);
        pre.scrollTop=pre.scrollHeight;
      };
    }else if(!d.open&&logs){logs.close();logs=null;}
  });
});
// An action is sent from the page, which stays: the events show what it does.
document.querySelectorAll('td.actions form').forEach(function(f){
  f.addEventListener('submit',function(ev){
    ev.preventDefault();
    fetch(f.action,{method:'POST'}).then(function(r){return r.text().then(function(t){if(!r.ok)throw new Error(t);});})
      .catch(function(e){window.berthError=String(e);alert(String(e));});
  });
});
})();"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{ContainerStatus, ServiceStatus};

    /// Everything the compose files or the engine supply reaches the page escaped.
    #[test]
    fn texts_from_the_project_and_the_engine_are_escaped() {
        let status = Status {
            project: "shop".into(),
            services: vec![ServiceStatus {
                name: "web".into(),
                state: State::Exited,
                desired: 1,
                running: 0,
                containers: vec![ContainerStatus {
                    name: "shop-web-1".into(),
                    state: State::Exited,
                    status: "Exited (1) <img src=x onerror=alert(1)>".into(),
                    exit_code: Some(1),
                    ports: Vec::new(),
                    last_probe: Some("<svg onload=alert(3)>".into()),
                    restarts: 2,
                    uptime: None,
                    usage: None,
                    node: None,
                }],
                waits_on: Vec::new(),
            }],
            nodes: Vec::new(),
        };
        let drawings = Drawings {
            services: String::new(),
            networks: String::new(),
            startup: String::new(),
            labels: vec![(
                "web".into(),
                vec![(
                    "note\"><script>".into(),
                    "</td><script>alert(2)</script>".into(),
                )],
            )],
        };
        let findings = [Finding {
            code: "BA001".into(),
            severity: "warning",
            message: "<i>found</i>".into(),
            service: Some("web".into()),
            location: Some("compose.yaml:3:5".into()),
        }];
        let page = render(&Page {
            status: &status,
            drawings: &drawings,
            findings: &findings,
            actions: true,
            query: "?token=\"><b>",
        });
        assert!(!page.contains("<i>") && page.contains("&lt;i&gt;found&lt;/i&gt;"));
        assert!(page.contains("<a href=\"#svc-web\">web</a>"));
        assert!(page.contains("action=\"/api/services/web/stop?token=&quot;&gt;&lt;b&gt;\""));
        assert!(!page.contains("<b>"));
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains(
            "note&quot;&gt;&lt;script&gt;=&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
        ));
        assert!(page.contains("(exit code 1) · restarts 2"));
        assert!(page.contains("&lt;svg onload=alert(3)&gt;") && !page.contains("<svg onload"));
        assert!(node_styles(&status).contains("#s_web>rect{fill:#f4b6b6}"));
    }
}
