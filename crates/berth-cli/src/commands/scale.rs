//! `berth scale SERVICE=REPLICAS...`: `up -d` of those services with those replica counts,
//! as Docker Compose's `scale` converges them (new replicas created and started, surplus ones
//! stopped and removed, the others kept).

use crate::cli::{GlobalArgs, ScaleArgs, UpArgs};
use crate::printer::Printer;

pub fn run(global: &GlobalArgs, args: &ScaleArgs, printer: &mut Printer) -> anyhow::Result<u8> {
    let mut services = Vec::new();
    for spec in &args.services {
        let Some((service, n)) = spec.split_once('=') else {
            printer.error(&format!("invalid scale specifier: {spec}"));
            return Ok(1);
        };
        if n.parse::<u32>().is_err() {
            printer.error(&format!(
                "invalid scale specifier: can't parse replica value as int: {spec}"
            ));
            return Ok(1);
        }
        services.push(service.to_string());
    }
    let up = UpArgs {
        services,
        scale: args.services.clone(),
        detach: true,
        no_deps: args.no_deps,
        ..UpArgs::default()
    };
    super::up::run(global, &up, printer)
}
