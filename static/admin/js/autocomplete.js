// Django 5.2's admin/js/autocomplete.js, changed so that what is typed is POSTed, never put
// in a URL: a client's name or national number would end up in access logs
// (accounts/admin_autocomplete.py answers); and so that the widget is named by its field's
// label (nameSelection). Found before Django's own file of this name
// (STATICFILES_DIRS come first); tests/accounts/test_admin_autocomplete.py pins the
// version of Django's file it was adapted from.
'use strict';
{
    const $ = django.jQuery;

    // The form's CSRF token (present whether or not the cookie may be read by scripts),
    // else the cookie's.
    function csrfToken(element) {
        const field = element.form && element.form.querySelector('[name="csrfmiddlewaretoken"]');
        if (field) {
            return field.value;
        }
        const cookie = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
        return cookie ? decodeURIComponent(cookie.slice('csrftoken='.length)) : '';
    }

    // Select2 names its box (a combobox) by the chosen option's text alone, and calls that
    // text a read-only textbox, which has no name: with nothing chosen, neither is named.
    // The box is named by the field's label and then its choice; the choice is plain text.
    function nameSelection(element) {
        const label = element.labels && element.labels[0];
        const box = $(element).next('.select2-container').find('.select2-selection--single')[0];
        if (!label || !box) {
            return;
        }
        label.id = label.id || `${element.id}_label`;
        const choice = box.querySelector('.select2-selection__rendered');
        if (choice) {
            choice.removeAttribute('role');
            choice.removeAttribute('aria-readonly');
        }
        box.setAttribute('aria-labelledby', choice ? `${label.id} ${choice.id}` : label.id);
    }

    $.fn.djangoAdminSelect2 = function() {
        $.each(this, function(i, element) {
            $(element).select2({
                ajax: {
                    // The search and its page go in the body.
                    data: (params) => {
                        return {
                            term: params.term || '',
                            page: params.page || 1
                        };
                    },
                    // The widget's data-ajax--type says GET and its data attributes win over
                    // these options, so the request is made here: POST, with the field being
                    // filled in (no one's data) in the query string.
                    transport: (options, success, failure) => {
                        const field = new URLSearchParams({
                            app_label: element.dataset.appLabel,
                            model_name: element.dataset.modelName,
                            field_name: element.dataset.fieldName
                        });
                        const request = $.ajax({
                            ...options,
                            type: 'POST',
                            url: `${options.url}?${field}`,
                            headers: {'X-CSRFToken': csrfToken(element)}
                        });
                        request.then(success);
                        request.fail(failure);
                        return request;
                    }
                }
            });
            nameSelection(element);
        });
        return this;
    };

    $(function() {
        // Initialize all autocomplete widgets except the one in the template
        // form used when a new formset is added.
        $('.admin-autocomplete').not('[name*=__prefix__]').djangoAdminSelect2();
    });

    document.addEventListener('formset:added', (event) => {
        $(event.target).find('.admin-autocomplete').djangoAdminSelect2();
    });
}
