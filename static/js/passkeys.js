// Adding a passkey (templates/accounts/_passkey_register.html). django-otp-webauthn's script
// registers it when its button is pressed; this one asks for the passkey's name first, and
// once the passkey is registered posts the name with the passkey's id, which takes the user on.
document.addEventListener(
  "click",
  (event) => {
    const button = event.target.closest("#passkey-register-button");
    const name = button && button.form.elements.namedItem("name");
    if (name && !name.checkValidity()) {
      event.stopPropagation(); // before it reaches the library's listener on the button
      name.setAttribute("aria-invalid", "true");
      name.reportValidity();
      name.focus();
    }
  },
  true,
);

document.addEventListener("otp_webauthn.register_complete", (event) => {
  const form = document.getElementById("passkey-name-form");
  form.elements.namedItem("credential").value = event.detail.id;
  form.submit();
});
