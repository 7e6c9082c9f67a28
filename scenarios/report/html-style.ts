/** The stylesheet of the run report, the dashboard and the load report (inline: the pages have no external assets). */
export const pageStyle = `
:root{--ok:#2f9e44;--fail:#e8590c;--info:#868e96;--bad:#c92a2a;--unknown:#5f3dc4;--involved:#f59f00;--line:#dee2e6;--muted:#666}
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:1em 1.5em;color:#212529}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5em 1em;border-bottom:1px solid var(--line)}
h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.1em;margin:1.2em 0 .5em}
.badge{padding:.1em .6em;border-radius:1em;background:#e7f5ff;color:#1971c2;font-size:.85em}
.badge.running{background:#fff3bf;color:#8a6d00}
#summary{flex-basis:100%;margin:.2em 0;font-weight:600}#summary.held{color:var(--ok)}#summary.broken{color:var(--bad)}
#summary.unknown{color:var(--unknown)}
#counts{flex-basis:100%;margin:0;font-size:.9em}
#runs{flex-basis:100%;color:var(--muted);font-size:.85em}
.filters{flex-basis:100%;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center;font-size:.85em;padding:.4em 0 .6em}
.filters select,.zoom select{font:inherit}
.statuses{display:flex;flex-wrap:wrap;gap:.2em .8em;border:0;margin:0;padding:0}.statuses legend{float:left;padding:0 .4em 0 0}
table{border-collapse:collapse;font-size:.9em}th,td{text-align:left;padding:3px 10px 3px 0;vertical-align:top;border-bottom:1px solid var(--line)}
th{font-weight:600}.title{color:var(--muted);font-weight:normal}
#verdicts,.table-scroll{overflow-x:auto}
.verdict{font:inherit;font-weight:700;border:0;border-radius:4px;padding:2px 10px;color:#fff;background:var(--info);cursor:pointer}
.verdict.pass{background:var(--ok)}.verdict.fail{background:var(--bad)}
.verdict.unknown{background:repeating-linear-gradient(135deg,var(--unknown) 0 6px,#7048e8 6px 12px)}
.cell{font-size:.85em;padding:2px 6px;border-radius:4px;white-space:nowrap}
.cell.running{background:#fab005;color:#333;font-weight:700}
.cell.not-run-yet{border:1px dashed var(--info);color:var(--muted)}
.cell.not-run{background:#f1f3f5;color:var(--muted)}
.cell.not-applicable{color:#adb5bd;font-style:italic}
.legend{font-size:.85em;color:var(--muted);line-height:2}
.legend .mark{position:static;display:inline-block;vertical-align:middle;width:16px;height:12px;min-width:0;margin:0 2px 0 8px}
.zoom{margin-left:1.2em}
.run-timeline h3{font-size:.95em;margin:.8em 0 .3em}
.tl-grid{display:flex;align-items:flex-start}
.tl-names{flex:none}
.tl-axis-name{font-size:.7em;color:var(--muted);line-height:22px}
.lane-name{cursor:pointer;font-size:.8em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;line-height:20px;margin-bottom:2px;padding-right:8px}
.lane-name.fail{color:var(--bad);font-weight:700}.lane-name.unknown{color:var(--unknown);font-weight:700}
.tl-scroll{flex:1;min-width:0;overflow-x:auto}
.tl-inner{position:relative}
.axis{position:relative;border-bottom:1px solid var(--line)}
.tick{position:absolute;top:2px;font-size:.7em;color:var(--muted);white-space:nowrap;border-left:1px solid var(--line);padding-left:3px}
.lane{position:relative;background-color:#f8f9fa;border-radius:3px;margin-bottom:2px}
.lane.highlight{box-shadow:inset 0 0 0 2px #ffc9c9}
.lane-note{position:absolute;left:6px;top:3px;font-size:.75em;color:var(--muted)}
.mark{position:absolute;height:14px;border:0;border-radius:3px;padding:0;font:700 10px/14px monospace;color:#fff;text-align:center;cursor:pointer;overflow:hidden}
.mark.ok{background:var(--ok)}.mark.fail{background:var(--fail)}.mark.info{background:var(--info)}
.mark.unexpected{box-shadow:0 0 0 2px var(--bad);z-index:2}
.mark.not-judged{opacity:.45;border:1px dashed #212529;line-height:12px}
.mark.involved{box-shadow:0 0 0 2px var(--involved);z-index:2}
.mark.unexpected.involved{box-shadow:0 0 0 2px var(--bad),0 0 0 4px var(--involved)}
.mark:hover,.mark.selected{outline:2px solid #1c7ed6;outline-offset:1px;z-index:3}
.detail{margin-top:.6em;padding:.5em .8em;background:#f8f9fa;border-radius:4px;font-size:.85em;min-height:2.5em}
.detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}.detail dt{color:var(--muted)}
.detail dd{margin:0;overflow-wrap:anywhere}
details.failure,details.unknown{border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:4px;margin:.6em 0;padding:.4em .8em}
details.unknown{border-left-color:var(--unknown)}
details.pass{border:1px solid var(--line);border-left:4px solid var(--ok);border-radius:4px;margin:.3em 0;padding:.2em .8em}
details.pass summary{font-weight:normal}
details.held>summary{color:var(--ok);margin:.2em 0}
details.highlight{box-shadow:0 0 0 3px #ffc9c9}
details summary{cursor:pointer;font-weight:600}
.diagnosis{margin:.3em 0}
.finding{margin:.8em 0;padding-top:.4em;border-top:1px dashed var(--line)}.finding .problem{font-weight:600}
.meta{font-size:.85em;color:var(--muted);margin:.2em 0 .4em}
code.reason{background:#fff5f5;color:var(--bad);padding:0 .3em;border-radius:3px}
table.diff{margin:.3em 0 .6em}table.diff td{font-family:monospace}
table.diff td.observed{color:var(--bad);font-weight:700}table.diff td.expected{color:var(--ok)}
table.diff td.none{color:var(--muted);font-family:inherit;font-style:italic}
table.deliveries{width:100%}table.deliveries td.excerpt{font-family:monospace;font-size:.9em;max-width:28em;overflow-wrap:anywhere;white-space:pre-wrap}
table.deliveries tr.unexpected td{background:#fff5f5}
p.reason{margin:.3em 0}
.replay-row{display:flex;gap:.5em;align-items:flex-start}
pre.replay{flex:1;min-width:0;margin:.3em 0;padding:.5em;border-radius:4px;background:#f1f3f5;white-space:pre;overflow-x:auto;word-break:normal;overflow-wrap:normal}
.copy{font:inherit;font-size:.85em;padding:.3em .8em;cursor:pointer;flex:none}
.empty{color:var(--muted);font-style:italic}
table.facts th{font-weight:normal;color:var(--muted)}
.chart svg{max-width:100%;height:auto}
ul.problems{font-size:.9em;padding-left:1.2em}ul.problems li{overflow-wrap:anywhere}
`;
