// The channel node's provider part in the editor: the provider list (built-in kinds and
// `roomwire-provider` plugins, from the runtime's roomwire/providers endpoint and the plugins'
// own editor files), a plugin's settings form, and the webhook URLs to paste into a provider's
// console, computed from the engine node's public URL and path prefix.
(function () {
    'use strict';
    if (window.RoomwireProviders) return;

    var PLUGIN_TYPE = 'roomwire-provider';
    var request = null;
    var changeListeners = [];

    /** `{providers, publicUrl, httpNodeRoot}`, asked once per editor session (and again after a failure). */
    function serverInfo() {
        if (!request) {
            request = $.getJSON('roomwire/providers').fail(function (xhr) {
                request = null;
                RED.notify(RoomwireEditor.common('errors.vocabulary', { status: xhr.status }), 'error');
            });
        }
        return request;
    }

    /** Plugins' editor definitions, by provider name (loaded from each plugin's .html). */
    function editorPlugins() {
        var byName = {};
        (RED.plugins.getPluginsByType(PLUGIN_TYPE) || []).forEach(function (plugin) {
            if (plugin && plugin.name) byName[plugin.name] = plugin;
        });
        return byName;
    }

    /**
     * Fills the provider select. Asked afresh each time the dialog opens: a package installed from
     * the palette meanwhile is listed. `label(name)` names the built-in ones. `quiet`: the select's
     * change event is not triggered (the form below it stays as the user left it).
     */
    function fillProviders(select, current, label, quiet) {
        var $select = $(select);
        if (!$select.find('option').filter(function () { return this.value === current; }).length) {
            $('<option>').val(current).text(current).appendTo($select);
        }
        $select.val(current);
        request = null;
        return serverInfo().then(function (info) {
            var plugins = editorPlugins();
            $select.empty();
            info.providers.forEach(function (entry) {
                var plugin = plugins[entry.name];
                var text = entry.plugin ? ((plugin && plugin.label) || entry.name) + ' (' + entry.module + ')' : label(entry.name);
                $('<option>').val(entry.name).text(text).appendTo($select);
            });
            if (!info.providers.some(function (entry) { return entry.name === current; })) $('<option>').val(current).text(current).appendTo($select);
            $select.val(current);
            if (!quiet) $select.trigger('change');
            return info;
        });
    }

    function normalisedPrefix(prefix) {
        return '/' + String(prefix || '/roomwire').trim().replace(/^\/+|\/+$/g, '');
    }

    /** The URL Twilio (or any provider) must call for this channel, as the runtime computes it. */
    function webhookUrl(info, engine, channelId) {
        var publicUrl = String((engine && engine.publicUrl) || '').trim();
        if (/^\$\{\S+\}$/.test(publicUrl)) publicUrl = '';
        var base = (publicUrl || info.publicUrl || (location.protocol + '//' + location.host)).replace(/\/+$/, '');
        var root = String(info.httpNodeRoot || '/').replace(/\/+$/, '');
        return base + root + normalisedPrefix(engine && engine.httpPrefix) + '/webhook/' + encodeURIComponent(channelId);
    }

    /** Whether the URL is reachable only from this machine (the provider cannot call it). */
    function isLocal(url) {
        return /^https?:\/\/(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(url);
    }

    /** A plugin's settings form: its `settings` as text rows, its `secrets` as password rows. */
    function pluginForm(container, plugin, settings, hasSecrets) {
        var $container = $(container).empty();
        if (!plugin) return;
        function row(kind, key, spec, value) {
            var id = 'roomwire-provider-' + kind + '-' + key;
            var $row = $('<div class="form-row">').appendTo($container);
            $('<label>').attr('for', id).text(spec.label || key).prepend('<i class="fa fa-' + (kind === 'secret' ? 'key' : 'cog') + '"></i> ').appendTo($row);
            var $input = $('<input>').attr({ id: id, type: kind === 'secret' ? 'password' : 'text' }).attr('data-key', key).attr('data-kind', kind).appendTo($row);
            if (spec.placeholder) $input.attr('placeholder', spec.placeholder);
            // Secrets never come back to the editor: a dot placeholder says one is stored.
            if (kind === 'secret' && hasSecrets) $input.attr('placeholder', '••••••');
            if (value !== undefined) $input.val(value);
        }
        Object.keys(plugin.settings || {}).forEach(function (key) {
            var spec = plugin.settings[key] || {};
            row('setting', key, spec, settings && settings[key] !== undefined ? settings[key] : spec.value);
        });
        Object.keys(plugin.secrets || {}).forEach(function (key) { row('secret', key, plugin.secrets[key] || {}); });
        if (plugin.help) $('<div class="form-tips">').text(plugin.help).appendTo($container);
    }

    /**
     * The form's values: `settings` (saved in the flow) and `secrets` (a JSON string for the
     * providerSecrets credential, or null when no secret was typed: the stored ones stay).
     */
    function readPluginForm(container) {
        var settings = {};
        var secrets = {};
        var typed = false;
        $(container).find('input[data-key]').each(function () {
            var $input = $(this);
            if ($input.attr('data-kind') === 'secret') {
                secrets[$input.attr('data-key')] = $input.val();
                if ($input.val() !== '') typed = true;
            } else {
                settings[$input.attr('data-key')] = $input.val();
            }
        });
        return { settings: settings, secrets: typed ? JSON.stringify(secrets) : null };
    }

    /**
     * Calls `listener(name)` when a provider plugin's editor part registers while the editor is open
     * (a package installed from the palette: Node-RED loads its .html, which registers the plugin and
     * emits `registry:plugin-added`). Returns the unsubscribe.
     */
    function onProviderAdded(listener) {
        changeListeners.push(listener);
        return function () {
            changeListeners = changeListeners.filter(function (other) { return other !== listener; });
        };
    }

    RED.events.on('registry:plugin-added', function (id) {
        var plugin = RED.plugins.getPlugin(id);
        if (!plugin || plugin.type !== PLUGIN_TYPE || !plugin.name) return;
        // The runtime registered it before the editor was told: its list has it now.
        request = null;
        changeListeners.slice().forEach(function (listener) { listener(plugin.name); });
    });

    window.RoomwireProviders = {
        onProviderAdded: onProviderAdded,
        fillProviders: fillProviders,
        serverInfo: serverInfo,
        editorPlugins: editorPlugins,
        webhookUrl: webhookUrl,
        isLocal: isLocal,
        pluginForm: pluginForm,
        readPluginForm: readPluginForm
    };
})();
