"""An entity's parsed docstring as Markdown (what the detail pane renders)."""

from __future__ import annotations

from workbench.model import DocSection, Entity


def _escape(text: str) -> str:
    """Keep a docstring's `*args` or `__init__` from turning into emphasis."""
    return text.replace("*", r"\*").replace("_", r"\_") if "`" not in text else text


def _section(section: DocSection) -> list[str]:
    if section.kind == "text":
        return [section.text, ""]
    title = section.title or section.kind.replace("_", " ").capitalize()
    lines = [f"**{title}**", ""]
    if section.kind == "examples" or (section.text and ">>>" in section.text):
        lines += ["```python", section.text.strip(), "```", ""]
        return lines
    for item in section.items:
        label = f"`{item.name}`" if item.name else ""
        if item.annotation:
            label += f" (`{item.annotation}`)"
        if item.default:
            label += f" = `{item.default}`"
        description = " ".join(item.description.split())
        lines.append(f"- {label}: {description}" if label else f"- {description}")
    if section.text:
        lines += ["", section.text]
    lines.append("")
    return lines


def entity_markdown(entity: Entity) -> str:
    """Title, facts and the docstring's sections (parameters, returns, raises, examples)."""
    lines = [f"## {entity.public_path}", ""]
    facts = [f"{entity.kind}", f"{entity.library} {entity.version}"]
    if entity.path != entity.public_path:
        facts.append(f"defined in `{entity.path}`")
    if entity.is_deprecated:
        facts.append("**deprecated**")
    lines += [" · ".join(facts), ""]
    if entity.sections:
        for section in entity.sections:
            lines += _section(section)
    elif entity.docstring:
        lines += [_escape(entity.docstring), ""]
    else:
        lines += ["*No docstring.*", ""]
    return "\n".join(lines)
