// While a worker counts figures nobody asked for yet, their page
// (templates/referrals/reports.html) asks for itself after half a second, then a second,
// then every 2 seconds (many counts take about a second); once the figures are
// there, it puts them in place of the elements marked data-figures and says so in its status
// line. The filter form is left as it is, with whatever its reader chose meanwhile. Not a
// meta refresh, which reloads the whole page under its reader, taking them back to its top,
// without a way to stop it (WCAG 2.2.1). As static/js/import-progress.js.
//
// An answer that is not the figures page (an error, the login page after the session ended)
// is shown as the page itself, by loading it, rather than asked for again and again; a
// network that does not answer is asked again, less and less often.
'use strict';
{
    const FIRST_MS = 500;
    const EVERY_MS = 2000;
    const AT_MOST_MS = 30000;

    async function update(wait) {
        let response;
        try {
            response = await fetch(window.location.href, {cache: 'no-store'});
        } catch (error) {
            const longer = Math.min(wait * 2, AT_MOST_MS);
            window.setTimeout(() => update(longer), longer);
            return;
        }
        const fresh = response.ok && !response.redirected
            ? new DOMParser().parseFromString(await response.text(), 'text/html')
            : null;
        if (!fresh || !fresh.getElementById('figures-tables')) {
            window.location.reload();
            return;
        }
        if (fresh.querySelector('.figures-progress')) {
            const next = Math.min(wait * 2, EVERY_MS);
            window.setTimeout(() => update(next), next);
            return;
        }
        for (const here of document.querySelectorAll('[data-figures]')) {
            here.replaceWith(fresh.getElementById(here.id));
        }
        document.title = fresh.title;
        // That the figures are there, and when they were counted, read out by the status line.
        const announce = document.getElementById('figures-announce');
        const counted = document.getElementById('figures-status').textContent;
        announce.textContent = `${announce.dataset.done} ${counted.replace(/\s+/g, ' ').trim()}`;
    }

    window.setTimeout(() => update(FIRST_MS), FIRST_MS);
}
