/** The panel's stylesheet: mobile first (375 px up), visible keyboard focus, readable contrast. */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b57a4}
:focus-visible{outline:3px solid #e46c0a;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}
.top{display:flex;flex-wrap:wrap;gap:8px;align-items:center;justify-content:space-between;padding:8px 16px;background:#123;color:#fff}
.top a,.top .link{color:#fff}.brand{font-weight:700;text-decoration:none}
.account{display:flex;gap:12px;align-items:center}.account form{margin:0}
.wrap{display:flex;flex-direction:column}
.side{padding:8px 16px;background:#fff;border-bottom:1px solid #dde}
.side h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;margin:12px 0 4px;color:#555}
.side ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 12px}
.side a[aria-current]{font-weight:700}
main{padding:16px;min-width:0;flex:1}
h1{font-size:1.5rem;margin:0 0 12px}
.head{display:flex;gap:12px;align-items:center;justify-content:space-between;flex-wrap:wrap}
.field{display:flex;flex-direction:column;gap:4px;margin:0 0 12px}
label,.label{font-weight:600}
input,select,textarea,button,.button{font:inherit;min-height:44px;padding:8px 10px;border:1px solid #889;border-radius:6px;background:#fff;color:inherit;max-width:100%}
textarea{min-height:6em}
button,.button{cursor:pointer;background:#0b57a4;color:#fff;border-color:#0b57a4;text-decoration:none;display:inline-flex;align-items:center}
button.link{background:none;border:0;padding:0;min-height:0;text-decoration:underline}
.danger{background:#b3261e;border-color:#b3261e;color:#fff}
.check{display:flex;gap:8px;align-items:center;font-weight:600}.check input{min-height:0;width:20px;height:20px}
.invalid input,.invalid select,.invalid textarea{border-color:#b3261e;border-width:2px}
.field-error,.error{color:#b3261e;font-weight:600;margin:0}
.error{padding:8px 12px;background:#fdecea;border-radius:6px;margin-bottom:12px}
.flash{padding:8px 12px;background:#e7f4e8;border-radius:6px}
.help{color:#555;font-size:.9rem;margin:0}
.value{padding:8px 0;overflow-wrap:anywhere}
.tools{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin-bottom:12px}.tools .field{margin:0}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e2e4ea;vertical-align:top;overflow-wrap:anywhere}
.pager{display:flex;gap:16px;padding:12px 0}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0}.actions form{margin:0}
.figures{display:flex;gap:24px}.recent{padding-left:18px}
.record{max-width:40rem}.login{max-width:24rem}
.confirm{display:flex;gap:16px;align-items:center}
@media (max-width:640px){
  table.list thead,table.counts thead{position:absolute;left:-9999px}
  table.list tr,table.counts tr{display:block;border-bottom:2px solid #dde;padding:4px 0}
  table.list td,table.counts td{display:flex;gap:8px;border:0;padding:4px 8px}
  table.list td::before,table.counts td::before{content:attr(data-label);font-weight:600;min-width:7rem}
}
@media (min-width:900px){.wrap{flex-direction:row}.side{width:15rem;border:0;border-right:1px solid #dde;min-height:calc(100vh - 48px)}.side ul{display:block}}
`;
