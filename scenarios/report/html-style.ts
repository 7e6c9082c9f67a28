/** The report page's stylesheet (inline: the page has no external assets). */
export const pageStyle = `
:root{--ok:#2f9e44;--fail:#e8590c;--info:#868e96;--bad:#c92a2a;--line:#dee2e6;--muted:#666}
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 1.5em;color:#212529}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5em 1em;border-bottom:1px solid var(--line)}
h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.1em;margin:1.2em 0 .5em}
.badge{padding:.1em .6em;border-radius:1em;background:#e7f5ff;color:#1971c2;font-size:.85em}
.badge.running{background:#fff3bf;color:#8a6d00}
#summary{flex-basis:100%;margin:.2em 0;font-weight:600}#summary.held{color:var(--ok)}#summary.broken{color:var(--bad)}
#counts{flex-basis:100%;margin:0;font-size:.9em}
#runs{flex-basis:100%;color:var(--muted);font-size:.85em;padding-bottom:.5em}
table{border-collapse:collapse;font-size:.9em}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top;border-bottom:1px solid var(--line)}
th{font-weight:600}.title{color:var(--muted);font-weight:normal}
.verdict{font:inherit;font-weight:700;border:0;border-radius:4px;padding:2px 10px;color:#fff;background:var(--info)}
.verdict.pass{background:var(--ok)}.verdict.fail{background:var(--bad);cursor:pointer}.verdict.running{background:#fab005;color:#333}
.legend{font-size:.85em;color:var(--muted)}.legend .mark{position:static;display:inline-block;vertical-align:middle}
.run-timeline h3{font-size:.95em;margin:.8em 0 .3em}
.lane{display:flex;align-items:center;gap:8px;margin:2px 0}
.lane-name{width:200px;flex:none;font-size:.8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.lane-time{width:150px;flex:none;font-size:.75em;color:var(--muted);white-space:nowrap}
.lane-name.fail{color:var(--bad);font-weight:700}
.track{position:relative;flex:1;height:22px;background:#f8f9fa;border-radius:3px}
.mark{position:absolute;top:3px;height:16px;min-width:10px;border:0;border-radius:3px;padding:0;font:700 10px/16px monospace;color:#fff;text-align:center;cursor:pointer;opacity:.85}
.mark.ok{background:var(--ok)}.mark.fail{background:var(--fail)}.mark.info{background:var(--info)}
.mark.wrong{outline:2px solid var(--bad);outline-offset:1px;opacity:1;z-index:2}
.mark:hover,.mark.selected{opacity:1;box-shadow:0 0 0 2px #1c7ed6;z-index:3}
.legend .mark{width:14px;height:12px;min-width:0}
.detail{margin-top:.6em;padding:.5em .8em;background:#f8f9fa;border-radius:4px;font-size:.85em;min-height:2.5em}
.detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}.detail dt{color:var(--muted)}.detail dd{margin:0;word-break:break-all}
details.failure{border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:4px;margin:.6em 0;padding:.4em .8em}
details.failure.highlight{box-shadow:0 0 0 3px #ffc9c9}
details.failure summary{cursor:pointer;font-weight:600}
.finding{margin:.6em 0}.finding .problem{font-weight:600}
pre{background:#f1f3f5;padding:.5em;border-radius:4px;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.replay-row{display:flex;gap:.5em;align-items:flex-start}.replay-row pre{flex:1}
.copy{font:inherit;font-size:.85em;padding:.3em .8em;cursor:pointer}
.empty{color:var(--muted);font-style:italic}
`;
