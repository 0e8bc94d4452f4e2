"The documentation site builds offline, without quarto, with the API docs rendered by show_doc."
import re

from tf3ro.core import project_root
from tf3ro.docsite import build_docs, doc_notebooks, settings


def test_build_docs(tmp_path):
    root = project_root()
    site = build_docs(tmp_path / "site")
    assert site == (tmp_path / "site").resolve() and (site / "index.html").is_file()

    # show_doc ran: the API entry of StageRun (heading, signature, docstring) is in the core page
    core = (site / "00_core.html").read_text(encoding="utf-8")
    assert re.search(r'<h\d>StageRun<a class="headerlink"', core)
    text = re.sub(r"<[^>]+>", "", core)                            # the page's text, highlighting tags gone
    assert re.search(r"(def|class) StageRun\(", text) and "swapped into" in text
    assert ":::" not in core and '{target="_blank"' not in core  # no quarto syntax left

    # one page per notebook (paper/ included), all listed on the home page
    index = (site / "index.html").read_text(encoding="utf-8")
    nbs = root / settings(root)["nbs_path"]
    for nb in doc_notebooks(nbs):
        page = nb.relative_to(nbs).with_suffix(".html").as_posix()
        assert (site / page).is_file(), page
        if page != "index.html": assert f'href="{page}"' in index, page

    # results pages, when the pipeline has made them, come with their figures
    for results in sorted((root / "paper").glob("results_*.md")):
        html = (site / "paper" / results.with_suffix(".html").name).read_text(encoding="utf-8")
        for img in re.findall(r'<img [^>]*src="([^"]+)"', html):
            assert (site / "paper" / img).resolve().is_file(), img
