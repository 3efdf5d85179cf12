// While a worker counts figures nobody asked for yet, their page
// (templates/referrals/reports.html) asks for itself every 2 seconds; once the figures are
// there, it puts them in place of the elements marked data-figures and says so in its status
// line. The filter form is left as it is, with whatever its reader chose meanwhile. Not a
// meta refresh, which reloads the whole page under its reader, taking them back to its top,
// without a way to stop it (WCAG 2.2.1). As static/js/import-progress.js.
'use strict';
{
    const EVERY_MS = 2000;

    async function fetchPage() {
        const response = await fetch(window.location.href, {cache: 'no-store'});
        if (!response.ok) {
            throw new Error(`${response.status} ${response.statusText}`);
        }
        return new DOMParser().parseFromString(await response.text(), 'text/html');
    }

    async function update() {
        let fresh;
        try {
            fresh = await fetchPage();
        } catch (error) {
            window.setTimeout(update, EVERY_MS); // the network hiccuped: ask again
            return;
        }
        if (fresh.querySelector('.figures-progress')) {
            window.setTimeout(update, EVERY_MS);
            return;
        }
        for (const here of document.querySelectorAll('[data-figures]')) {
            const there = fresh.getElementById(here.id);
            if (there) {
                here.replaceWith(there);
            }
        }
        document.title = fresh.title;
        // When they were counted, read out by the status line: the figures are there.
        const counted = document.getElementById('figures-status');
        document.getElementById('figures-announce').textContent =
            counted ? counted.textContent.replace(/\s+/g, ' ').trim() : '';
    }

    window.setTimeout(update, EVERY_MS);
}
