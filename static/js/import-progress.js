// While an import runs, its page (templates/admin/referrals/referral/import_job.html) asks
// for itself every 2 seconds and shows what changed in place: the rows checked, then what
// came of the import. Not a meta refresh, which reloads the whole page under its reader,
// taking them back to its top, without a way to stop it (WCAG 2.2.1).
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
        const progress = document.querySelector('.import-progress');
        const running = fresh.querySelector('.import-progress');
        if (progress && running) {
            // The status line's text changes in place, so that it is announced.
            for (const selector of ['h2', '[role="status"]']) {
                progress.querySelector(selector).textContent =
                    running.querySelector(selector).textContent;
            }
            progress.querySelector('progress').replaceWith(running.querySelector('progress'));
            window.setTimeout(update, EVERY_MS);
            return;
        }
        document.title = fresh.title;
        document.getElementById('content-main').replaceWith(fresh.getElementById('content-main'));
    }

    window.setTimeout(update, EVERY_MS);
}
