//! `desk completions SHELL` and `desk man`: generated from the same definitions clap
//! parses with, so they cannot drift from the commands.

use std::path::Path;

use clap::CommandFactory;

use super::Cli;
use super::fail::{Fail, Outcome};

pub fn completions(shell: clap_complete::Shell) -> Outcome<String> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "desk", &mut out);
    String::from_utf8(out).map_err(|e| Fail::unavailable(format!("completions are not text: {e}")))
}

/// The page for `desk` with every command in it, or one page per command in `dir`.
pub fn man(dir: Option<&Path>) -> Outcome<String> {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(cmd, dir))
                .map_err(|e| {
                    Fail::usage(format!("cannot write man pages to {}: {e}", dir.display()))
                })?;
            crate::cli::output::note(&format!("wrote the man pages to {}", dir.display()));
            Ok(String::new())
        }
        None => {
            let mut out = Vec::new();
            render_all(&cmd, &mut out)
                .map_err(|e| Fail::unavailable(format!("cannot render the man page: {e}")))?;
            String::from_utf8(out)
                .map_err(|e| Fail::unavailable(format!("the man page is not text: {e}")))
        }
    }
}

/// `desk.1`, followed by a section per subcommand (its synopsis, description and
/// options), so that one page documents the whole command line.
fn render_all(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut cmd = cmd.clone().disable_help_subcommand(true);
    cmd.build();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    let mut stack: Vec<(String, clap::Command)> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| (format!("desk {}", s.get_name()), s.clone()))
        .collect();
    stack.reverse();
    while let Some((path, sub)) = stack.pop() {
        let mut children: Vec<(String, clap::Command)> = sub
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| (format!("{path} {}", s.get_name()), s.clone()))
            .collect();
        // The global options are described once, at the top; not again per command.
        let page = clap_mangen::Man::new(
            sub.clone()
                .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a }),
        );
        out.extend_from_slice(format!(".SH \"{}\"\n", path.to_uppercase()).as_bytes());
        let mut section = Vec::new();
        page.render_synopsis_section(&mut section)?;
        page.render_description_section(&mut section)?;
        if sub
            .get_arguments()
            .any(|a| !a.is_hide_set() && !a.is_global_set())
        {
            page.render_options_section(&mut section)?;
        }
        // The pieces are whole roff sections; demote their headings so they read as
        // parts of this command's section.
        let text = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
        out.extend_from_slice(text.as_bytes());
        children.reverse();
        stack.extend(children);
    }
    Ok(())
}
