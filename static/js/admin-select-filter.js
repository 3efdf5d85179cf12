// Django 5.2's SelectFilter2.js (the two lists of a filter_horizontal field, roles and
// permissions) names each list's filter box with an aria-label on an icon's <span>, which ARIA
// does not allow on an element without a role: the icon is said to be an image, so that its
// name is allowed and still names the box. Loaded at the end of every admin page
// (templates/admin/base_site.html), after Django's script, so that this runs after it.
'use strict';
{
    function nameIcons(root) {
        root.querySelectorAll('.selector-filter .search-label-icon[aria-label]:not([role])')
            .forEach((icon) => icon.setAttribute('role', 'img'));
    }

    window.addEventListener('load', () => nameIcons(document));
    document.addEventListener('formset:added', (event) => nameIcons(event.target));
}
