// The engine dialog's "Agent accounts": up to fifty user names and passwords for the agent inbox,
// kept as numbered credential pairs (agentUser<n>, agentPassword<n>). A new password is replaced by
// its bcrypt hash here, before the dialog saves, so the plain password never leaves the browser;
// an untouched password stays `__PWRD__`, which Node-RED keeps as it is.
(function () {
    'use strict';
    if (window.RoomwireAgentAccounts) return;
    var SLOTS = 50; // AGENT_SLOTS in nodes/lib/inbox/accounts.ts
    var bcryptLoading = null;

    function loadBcrypt() {
        // Fetched through jQuery so the editor's own login token goes with it.
        if (!bcryptLoading) bcryptLoading = window.bcrypt ? $.Deferred().resolve() : $.ajax({ url: 'roomwire/bcrypt.js', dataType: 'script', cache: true });
        return bcryptLoading;
    }

    function credentials() {
        var types = {};
        for (var i = 1; i <= SLOTS; i++) {
            types['agentUser' + i] = { type: 'text' };
            types['agentPassword' + i] = { type: 'password' };
        }
        return types;
    }

    function t(key) { return RED._('@roomwire/node-red/roomwire-engine:roomwire-engine.agents.' + key); }

    function prepare(node, container) {
        loadBcrypt();
        var creds = node.credentials || {};
        var $list = $('<ol class="roomwire-agent-accounts">').css({ listStyle: 'none', padding: 0, margin: 0 }).appendTo(container);
        var shown = 0;
        for (var i = 1; i <= SLOTS; i++) {
            var user = creds['agentUser' + i] || '';
            var hasPassword = creds['has_agentPassword' + i] === true;
            var $row = $('<li>').css({ display: 'flex', gap: '6px', marginBottom: '4px' }).attr('data-slot', i).appendTo($list);
            $('<input type="text">').attr({ id: 'node-config-input-agentUser' + i, placeholder: t('user'), 'aria-label': t('user'), autocomplete: 'off' }).css('width', '40%').val(user).appendTo($row);
            $('<input type="password">').attr({ id: 'node-config-input-agentPassword' + i, placeholder: hasPassword ? t('unchanged') : t('password'), 'aria-label': t('password'), autocomplete: 'new-password' })
                .css('width', '45%').val(hasPassword ? '__PWRD__' : '').appendTo($row);
            $('<button type="button" class="red-ui-button red-ui-button-small"><i class="fa fa-remove"></i></button>').attr('aria-label', t('remove')).appendTo($row).on('click', function () {
                var $r = $(this).closest('li');
                $r.find('input').val('');
            });
            if (!user && shown > 0 && i > 1 && !(creds['agentUser' + (i - 1)])) $row.hide();
            else shown++;
        }
        $('<button type="button" class="red-ui-button red-ui-button-small">').text(t('add')).appendTo(container).on('click', function () {
            $list.find('li:hidden').first().show().find('input').first().focus();
        });
        $('<div class="form-tips">').text(t('tip')).appendTo(container);
    }

    function save() {
        for (var i = 1; i <= SLOTS; i++) {
            var $user = $('#node-config-input-agentUser' + i);
            var $password = $('#node-config-input-agentPassword' + i);
            $user.val(($user.val() || '').trim());
            if (!$user.val()) { $password.val(''); continue; }
            var typed = $password.val();
            if (!typed || typed === '__PWRD__') continue;
            if (!window.bcrypt) {
                RED.notify(t('noBcrypt'), 'error');
                $password.val('__PWRD__');
                continue;
            }
            $password.val(window.bcrypt.hashSync(typed, 10));
        }
    }

    window.RoomwireAgentAccounts = { credentials: credentials, prepare: prepare, save: save };
})();
