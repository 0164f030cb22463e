"""Server-side diff rendering: parsing, line numbers, highlighting, escaping, limits."""

from pathlib import Path

from deviations.web.templatetags import azl_diff

ROOT = Path(__file__).resolve().parents[2]

GIT_DIFF = """\
diff --git a/foo.spec b/foo.spec
index 1111111..2222222 100644
--- a/foo.spec
+++ b/foo.spec
@@ -10,4 +10,4 @@ %prep
 %setup -q
--- a line of dashes removed
+++ a line of pluses added
 %build
 make
diff --git a/new.patch b/new.patch
new file mode 100644
--- /dev/null
+++ b/new.patch
@@ -0,0 +1,2 @@
+--- a/x.c
+<b>bold</b>
\\ No newline at end of file
"""


def test_parse_files_hunks_and_line_numbers():
    files = azl_diff.parse(GIT_DIFF)
    assert [f.path for f in files] == ["foo.spec", "new.patch"]
    spec, patch = files
    assert spec.meta[0].startswith("diff --git")
    lines = spec.hunks[0].lines
    assert [(ln.kind, ln.old, ln.new) for ln in lines] == [
        ("ctx", 10, 10),
        ("del", 11, None),
        ("add", None, 11),
        ("ctx", 12, 12),
        ("ctx", 13, 13),
    ]
    # Lines starting with ---/+++ inside a hunk are content, not file headers.
    assert lines[1].text == "-- a line of dashes removed"
    assert lines[2].text == "++ a line of pluses added"
    assert (spec.added, spec.removed) == (1, 1)
    assert patch.old_path == "/dev/null" and patch.added == 2
    assert patch.hunks[0].lines[-1].kind == "note"


def test_plain_unified_diff_without_git_headers():
    files = azl_diff.parse("--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-x\n+y\n")
    assert [(f.path, f.added, f.removed) for f in files] == [("a.txt", 1, 1)]


def test_everything_is_escaped():
    html = str(azl_diff.render_diff(GIT_DIFF))
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html or "&lt;</span>" in html
    evil = "--- a/<img src=x>.spec\n+++ b/<img src=x>.spec\n@@ -1 +1 @@\n-a\n+<script>x</script>\n"
    html = str(azl_diff.render_diff(evil))
    assert "<img" not in html and "<script>" not in html


def test_highlighting_uses_the_file_type():
    html = str(azl_diff.render_diff(GIT_DIFF))
    assert 'class="diff hl"' in html
    assert '<span class="k">%setup</span> -q' in html  # RPM spec lexer: macro, then text
    assert '<span class="nd">%build</span>' in html
    assert azl_diff._lexer_for("foo.spec").name == "RPMSpec"
    assert azl_diff._lexer_for("x.patch").name == "Diff"
    assert azl_diff._lexer_for("50-azurelinux.conf.unknownext").name == "Text only"


def test_long_diffs_are_cut_with_a_link_to_the_whole_text():
    body = "".join(f"+line {i}\n" for i in range(50))
    diff = f"--- a/f.txt\n+++ b/f.txt\n@@ -0,0 +1,50 @@\n{body}"
    files = azl_diff.parse(diff)
    html = azl_diff.render_files(files, raw_url="/components/f/diff.patch", max_lines=20)
    assert html.count('<tr class="add">') == 20
    assert "30 more lines are not shown here." in html
    assert 'href="/components/f/diff.patch"' in html


def test_empty_diff():
    assert "No changes." in str(azl_diff.render_diff(""))
    assert "No changes." in str(azl_diff.render_diff(None))


def test_static_pygments_css_is_current():
    css = (ROOT / "static" / "css" / "pygments.css").read_text()
    assert css == azl_diff.pygments_css(), "regenerate: see azl_diff.pygments_css()"
