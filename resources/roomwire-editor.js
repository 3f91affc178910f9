// Editor code shared by every Roomwire node (served from this module's resources/ folder): node
// registration with the common defaults, choices filled from the runtime's vocabulary endpoint,
// the channel picker and the participant list, config migration, and the bookkeeping that makes
// channel nodes referenced from a list count as used (and flags their users when deleted).
(function () {
    'use strict';
    if (window.RoomwireEditor) return;

    var MODULE = '@roomwire/node-red';
    var COLOR = '#78C2AD';
    var CHANNEL = 'roomwire-channel';
    var vocabularyRequest = null;

    /** Keys of the shared catalogue (the engine node's): `common.label.engine`... */
    function common(key, vars) {
        return RED._(MODULE + '/roomwire-engine:common.' + key, vars);
    }

    /** The runtime's lists (channel types, profiles, triggers, permission values), asked once. */
    function vocabulary() {
        if (!vocabularyRequest) {
            vocabularyRequest = $.getJSON('roomwire/vocabulary').fail(function (xhr) {
                vocabularyRequest = null;
                RED.notify(common('errors.vocabulary', { status: xhr.status }), 'error');
            });
        }
        return vocabularyRequest;
    }

    function addOptions($select, extra) {
        (extra || []).forEach(function (option) { $('<option>').val(option.value).text(option.label).appendTo($select); });
    }

    /**
     * Fills `select` with the vocabulary list `name` (between options.first and options.last,
     * {value, label} each), keeping `current` even when the runtime no longer offers it. Until the
     * runtime answers, `current` is the select's only option, so a dialog saved meanwhile keeps it.
     */
    function fillChoice(select, name, current, options) {
        options = options || {};
        var $select = $(select);
        if (current !== undefined && current !== null && $select.find('option').filter(function () { return this.value === String(current); }).length === 0) {
            $('<option>').val(current).text(current).appendTo($select);
        }
        $select.val(current);
        return vocabulary().then(function (lists) {
            var values = (lists[name] || []).map(function (entry) { return typeof entry === 'string' ? entry : entry.name; });
            var extra = (options.first || []).concat(options.last || []).map(function (option) { return option.value; });
            $select.empty();
            if (options.empty !== undefined) $('<option>').val('').text(options.empty).appendTo($select);
            addOptions($select, options.first);
            values.forEach(function (value) {
                $('<option>').val(value).text(options.label ? options.label(value) : value).appendTo($select);
            });
            addOptions($select, options.last);
            if (current && values.indexOf(current) === -1 && extra.indexOf(current) === -1) $('<option>').val(current).text(current).appendTo($select);
            $select.val(current || (options.empty !== undefined ? '' : values[0])).trigger('change');
            return lists;
        });
    }

    function channelNodes() {
        var channels = [];
        RED.nodes.eachConfig(function (config) {
            if (config.type === CHANNEL) channels.push(config);
        });
        return channels.sort(function (a, b) { return RED.utils.getNodeLabel(a, a.id).localeCompare(RED.utils.getNodeLabel(b, b.id)); });
    }

    /** The channel id a channel node registers: its own setting, else its node id. */
    function channelIdOf(config) {
        return (config.channelId || '').trim() || config.id;
    }

    function findChannel(channelId) {
        var found;
        RED.nodes.eachConfig(function (config) {
            if (!found && config.type === CHANNEL && channelIdOf(config) === channelId) found = config.id;
        });
        return found;
    }

    var pickerCount = 0;

    /**
     * A channel select with an edit/add button, like Node-RED's own config picker, for places
     * its picker cannot go (rows of a list). Returns {element, value()}.
     */
    function channelPicker(current) {
        var id = 'roomwire-channel-picker-' + (++pickerCount);
        var row = $('<span class="roomwire-channel-picker">');
        var select = $('<select>').attr('id', 'roomwire-picker-' + id).css({ width: 'calc(100% - 40px)' }).appendTo(row);
        var button = $('<button type="button" class="red-ui-button roomwire-channel-edit"><i class="fa fa-pencil"></i></button>').css({ 'margin-left': '4px' }).appendTo(row);
        function fill(value) {
            select.empty();
            $('<option>').val('').text(common('label.pickChannel')).appendTo(select);
            channelNodes().forEach(function (config) {
                $('<option>').val(config.id).text(RED.utils.getNodeLabel(config, config.id)).appendTo(select);
            });
            $('<option>').val('_ADD_').text(common('label.addChannel')).appendTo(select);
            select.val(value || '');
        }
        fill(current);
        function edit() {
            var value = select.val();
            // Node-RED's config dialog refills #<prefix>-<name> with every channel once it closes.
            RED.editor.editConfig(id, CHANNEL, value && value !== '_ADD_' ? value : '_ADD_', 'roomwire-picker');
        }
        select.on('change', function () {
            if (select.val() === '_ADD_') {
                select.val('');
                edit();
            }
        });
        button.on('click', function (event) {
            event.preventDefault();
            edit();
        });
        return { element: row, select: select, value: function () { return select.val() === '_ADD_' ? '' : select.val(); } };
    }

    /** A select of one vocabulary list, for list rows. */
    function choice(name, current, label) {
        var select = $('<select>').css({ width: '100%' });
        fillChoice(select, name, current, { label: label });
        return select;
    }

    /**
     * The `room` node's participant editor: one row per participant with a channel, an address,
     * a display name, audience, access, visibility and mute.
     */
    function participantList(container, participants, _) {
        var list = $(container).css({ 'min-height': '150px', 'min-width': '450px' }).editableList({
            addButton: _('roomwire-room.label.addParticipant'),
            sortable: true,
            removable: true,
            addItem: function (row, index, data) {
                row.addClass('roomwire-participant');
                var line1 = $('<div class="roomwire-participant-line">').css({ display: 'flex', gap: '6px', 'margin-bottom': '4px' }).appendTo(row);
                var line2 = $('<div class="roomwire-participant-line">').css({ display: 'flex', gap: '6px', 'align-items': 'center' }).appendTo(row);
                var picker = channelPicker(data.channel);
                picker.element.css({ flex: '2' }).appendTo(line1);
                $('<input type="text" class="roomwire-participant-address">').attr('placeholder', _('roomwire-room.label.address')).val(data.address || '').css({ flex: '2' }).appendTo(line1);
                $('<input type="text" class="roomwire-participant-name">').attr('placeholder', _('roomwire-room.label.displayName')).val(data.displayName || '').css({ flex: '1' }).appendTo(line1);
                var cell = function (title) { return $('<label>').attr('title', title).css({ flex: '1', margin: 0 }).appendTo(line2); };
                choice('audience', data.audience || 'external').addClass('roomwire-participant-audience').appendTo(cell(_('roomwire-room.label.audience')));
                choice('access', data.access || 'read_write').addClass('roomwire-participant-access').appendTo(cell(_('roomwire-room.label.access')));
                choice('visibility', data.visibility || 'all').addClass('roomwire-participant-visibility').appendTo(cell(_('roomwire-room.label.visibility')));
                var muted = $('<label>').css({ flex: '0 0 auto', margin: 0, width: 'auto' }).appendTo(line2);
                $('<input type="checkbox" class="roomwire-participant-muted">').prop('checked', !!data.muted).css({ width: 'auto', margin: '0 4px 0 0' }).appendTo(muted);
                $('<span>').text(_('roomwire-room.label.muted')).appendTo(muted);
                row.data('picker', picker);
            }
        });
        (participants || []).forEach(function (participant) { list.editableList('addItem', participant); });
        return list;
    }

    function readParticipants(container) {
        var participants = [];
        $(container).editableList('items').each(function () {
            var row = $(this);
            var participant = {
                channel: row.data('picker').value(),
                address: row.find('.roomwire-participant-address').val().trim(),
                audience: row.find('.roomwire-participant-audience').val(),
                access: row.find('.roomwire-participant-access').val(),
                visibility: row.find('.roomwire-participant-visibility').val(),
                muted: row.find('.roomwire-participant-muted').is(':checked')
            };
            var name = row.find('.roomwire-participant-name').val().trim();
            if (name) participant.displayName = name;
            participants.push(participant);
        });
        return participants;
    }

    /** Valid when every participant names a channel node that exists and an address. */
    function validParticipants(list) {
        return (list || []).every(function (participant) {
            return !!participant.channel && !!RED.nodes.node(participant.channel) && !!(participant.address || '').trim();
        });
    }

    /**
     * A list of channel node ids as saved. Deleting a channel, Node-RED's config dialog compares
     * every property of its users with `==`, so a one-entry list (['sms'] == 'sms') is set to "",
     * and undoing that puts back the id alone: a string is a list of one.
     */
    function listOf(value) {
        if (Array.isArray(value)) return value;
        return typeof value === 'string' && value ? [value] : [];
    }

    /** An editable list of channel pickers (fallback order, hook filter); `ids` are channel node ids. */
    function channelList(container, ids, addLabel) {
        var list = $(container).css({ 'min-height': '80px', 'min-width': '300px' }).editableList({
            addButton: addLabel,
            height: 'auto',
            sortable: true,
            removable: true,
            addItem: function (row, index, data) {
                row.addClass('roomwire-channel-list-row');
                var picker = channelPicker(typeof data === 'string' ? data : '');
                picker.element.css({ display: 'block' }).appendTo(row);
                row.data('picker', picker);
            }
        });
        listOf(ids).forEach(function (id) { list.editableList('addItem', id); });
        return list;
    }

    function readChannelList(container) {
        var ids = [];
        $(container).editableList('items').each(function () {
            var id = $(this).data('picker').value();
            if (id) ids.push(id);
        });
        return ids;
    }

    /** A list of channel node ids: valid while every one of them exists. */
    function channelListRef() {
        return {
            value: [],
            validate: function (ids) {
                return listOf(ids).every(function (id) { return !!RED.nodes.node(id); });
            }
        };
    }

    /**
     * The defaults of "which participant" (mute, visibility, fallback): a channel node and an
     * address (else msg.address, in room msg.roomId), or whoever msg (or a binding id) names.
     */
    function participantDefaults() {
        return {
            target: { value: 'participant', required: true },
            channel: channelRef(function () { return this.target === 'participant'; }),
            address: { value: '' },
            bindingId: { value: '' }
        };
    }

    /** Shows the rows of the chosen way to name the participant (the `participant` form row). */
    function showTarget() {
        $('#node-input-target').on('change', function () {
            var target = $(this).val();
            $('.roomwire-target-participant').toggle(target === 'participant');
            $('.roomwire-target-msg').toggle(target === 'msg');
        }).trigger('change');
    }

    /**
     * A validator for a whole number from `min` to `max`, the range the runtime takes for the
     * setting (it refuses the rest at deploy or on every message); `optional`: empty is valid and
     * means the runtime's default.
     */
    function wholeNumber(min, max, optional) {
        return function (value) {
            var text = value === undefined || value === null ? '' : String(value);
            if (text === '') return !!optional;
            return /^\s*-?\d+\s*$/.test(text) && Number(text) >= min && Number(text) <= max;
        };
    }

    var DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

    /** A validator for an ISO 8601 duration (`PT30M`); empty is valid and means the runtime's default. */
    function optionalDuration(value) {
        var text = String(value === undefined || value === null ? '' : value).trim();
        return text === '' || DURATION.test(text);
    }

    /** A validator for a number above 0; empty is valid and means the runtime's default. */
    function optionalPositive(value) {
        var text = value === undefined || value === null ? '' : String(value);
        return text === '' || Number(text) > 0;
    }

    /** A channel reference that must name an existing channel node when `needed` says so. */
    function channelRef(needed) {
        return {
            value: '',
            type: CHANNEL,
            validate: function (value) {
                if (!needed.call(this)) return true;
                return !!value && !!RED.nodes.node(value);
            }
        };
    }

    // Config migration: every Roomwire node is brought to today's format as it enters the editor
    // (load, import, paste), with the same migrations the runtime applies.
    function configOf(node) {
        var config = {};
        Object.keys(node).forEach(function (key) {
            if (key.charAt(0) !== '_' && typeof node[key] !== 'function' && key !== 'users' && key !== 'wires') config[key] = node[key];
        });
        return config;
    }

    function migrateInPlace(node) {
        var migrations = window.RoomwireMigrations;
        if (!migrations || !node._def || !node._def.defaults || !node._def.defaults.version) return;
        var before = configOf(node);
        var after = migrations.migrate(node.type, JSON.parse(JSON.stringify(before)), findChannel);
        Object.keys(before).forEach(function (key) {
            if (!(key in after)) delete node[key];
        });
        Object.keys(after).forEach(function (key) {
            if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) node[key] = after[key];
        });
        RED.nodes.updateConfigNodeUsers(node, { action: 'add', emitEvent: false });
    }

    // Channel nodes named inside a list (the room's participants) are not seen by Node-RED, which
    // only counts top-level config properties: count those users here too, so that a channel in
    // use is never reported unused, and flag the nodes whose list names a deleted channel.
    function listedChannels(node) {
        var ids = {};
        ((node._def && node._def.channelLists) || []).forEach(function (property) {
            // A list holds channel node ids (fallback, hook) or rows with a `channel` (participants).
            listOf(node[property]).forEach(function (entry) {
                var id = typeof entry === 'string' ? entry : entry && entry.channel;
                if (id) ids[id] = true;
            });
        });
        return ids;
    }

    function refersDirectly(node, configId) {
        var defaults = node._def.defaults || {};
        return Object.keys(defaults).some(function (key) { return defaults[key].type === CHANNEL && node[key] === configId; });
    }

    function syncListedUsers(node, removed) {
        if (!node._def || !node._def.channelLists) return;
        var wanted = removed ? {} : listedChannels(node);
        RED.nodes.eachConfig(function (config) {
            if (config.type !== CHANNEL) return;
            var index = config.users.indexOf(node);
            if (wanted[config.id] && index === -1) config.users.push(node);
            else if (!wanted[config.id] && index !== -1 && !refersDirectly(node, config.id)) config.users.splice(index, 1);
        });
    }

    function flagUsersOf(config) {
        var configId = config.id;
        // A one-entry list naming the channel was just set to "" by the config dialog (see listOf):
        // give it back its entry, which now names a missing channel.
        (config.users || []).forEach(function (user) {
            ((user._def && user._def.channelLists) || []).forEach(function (property) {
                if (user[property] === '') user[property] = [configId];
            });
        });
        var flagged = false;
        RED.nodes.eachNode(function (node) {
            if (listedChannels(node)[configId]) {
                RED.editor.validateNode(node);
                node.dirty = true;
                flagged = true;
            }
        });
        if (flagged) RED.view.redraw(true);
    }

    RED.events.on('nodes:add', function (node) {
        if (!node.type || node.type.indexOf('roomwire-') !== 0) return;
        migrateInPlace(node);
        syncListedUsers(node, false);
    });
    RED.events.on('nodes:change', function (node) {
        if (node.type && node.type.indexOf('roomwire-') === 0) syncListedUsers(node, false);
    });
    RED.events.on('nodes:remove', function (node) {
        if (node.type === CHANNEL) flagUsersOf(node);
        else if (node.type && node.type.indexOf('roomwire-') === 0) syncListedUsers(node, true);
    });

    /** The first `/roomwire`, `/roomwire-2`... path no other engine node serves. */
    function unusedEnginePath(self) {
        var taken = {};
        RED.nodes.eachConfig(function (config) {
            if (config.type === 'roomwire-engine' && config.id !== self.id) taken[(config.httpPrefix || '/roomwire').replace(/\/+$/, '')] = true;
        });
        for (var n = 1; ; n++) {
            var path = n === 1 ? '/roomwire' : '/roomwire-' + n;
            if (!taken[path]) return path;
        }
    }

    /** Another engine node already uses `property` with this value (the runtime refuses the second one). */
    function takenByAnotherEngine(self, property, value, normalise) {
        var clash = false;
        RED.nodes.eachConfig(function (config) {
            if (config.type === 'roomwire-engine' && config.id !== self.id && !config.d && normalise(config[property]) === normalise(value)) clash = true;
        });
        return clash;
    }

    // Form rows: a template writes `<div data-row="text" data-property="roomId" data-icon="home"
    // data-label="<key>" data-hint="<key>"></div>` (kinds text, password, select, checkbox; `engine`
    // and `name` need nothing else) and gets Node-RED's usual row, label and input.
    var ROW_PRESETS = {
        engine: { kind: 'text', property: 'engine', icon: 'database', label: MODULE + '/roomwire-engine:common.label.engine' },
        name: { kind: 'text', property: 'name', icon: 'tag', label: 'node-red:common.label.name' }
    };

    function attributesOf(text) {
        var attributes = {};
        text.replace(/data-([a-z-]+)="([^"]*)"/g, function (whole, name, value) {
            attributes[name] = value;
            return whole;
        });
        return attributes;
    }

    function formRow(prefix, spec) {
        var id = prefix + '-' + spec.property;
        var hint = spec.hint ? ' data-i18n="[placeholder]' + spec.hint + '"' : '';
        var label = '<label for="' + id + '"><i class="fa fa-' + spec.icon + '"></i> <span data-i18n="' + spec.label + '"></span></label>';
        var input;
        if (spec.kind === 'select') {
            input = '<select id="' + id + '">' + (spec.options ? spec.options.split(',').map(function (value) {
                return '<option value="' + value + '" data-i18n="' + spec['options-key'] + '.' + value + '"></option>';
            }).join('') : '') + '</select>';
        } else if (spec.kind === 'checkbox') {
            input = '<input type="checkbox" id="' + id + '" style="width: auto; vertical-align: top;"> <span data-i18n="' + spec.hint + '"></span>';
        } else {
            input = '<input type="' + (spec.kind === 'password' ? 'password' : 'text') + '" id="' + id + '"' + hint + (spec.width ? ' style="width: ' + spec.width + ';"' : '') + '>';
        }
        return '<div class="form-row ' + (spec.class || '') + '">' + label + input + '</div>';
    }

    // `<div data-row="participant"></div>`: the rows of "which participant" (participantDefaults).
    var PARTICIPANT_ROWS = [
        { kind: 'select', property: 'target', icon: 'user', label: 'label.participant', options: 'participant,msg', 'options-key': 'target' },
        { kind: 'text', property: 'channel', icon: 'plug', label: 'label.channel', class: 'roomwire-target-participant' },
        { kind: 'text', property: 'address', icon: 'at', label: 'label.address', hint: 'label.addressHint', class: 'roomwire-target-participant' },
        { kind: 'text', property: 'bindingId', icon: 'id-badge', label: 'label.bindingId', hint: 'label.bindingIdHint', class: 'roomwire-target-msg' }
    ].map(function (row) {
        var spec = $.extend({}, row);
        ['label', 'hint', 'options-key'].forEach(function (key) {
            if (spec[key]) spec[key] = MODULE + '/roomwire-engine:common.' + spec[key];
        });
        return spec;
    });

    function expandRows(type, config) {
        var template = $('script[data-template-name="' + type + '"]');
        var prefix = config ? 'node-config-input' : 'node-input';
        template.text(template.text().replace(/<div data-row="([a-z]+)"([^>]*)><\/div>/g, function (whole, kind, rest) {
            if (kind === 'participant') return PARTICIPANT_ROWS.map(function (spec) { return formRow(prefix, spec); }).join('');
            var spec = $.extend({ kind: kind }, ROW_PRESETS[kind], attributesOf(rest));
            if (ROW_PRESETS[kind]) spec.kind = ROW_PRESETS[kind].kind;
            return formRow(prefix, spec);
        }));
    }

    /** A node without an engine (dropped before one existed) gets the only engine there is. */
    function pickOnlyEngine(select) {
        var engines = [];
        RED.nodes.eachConfig(function (config) {
            if (config.type === 'roomwire-engine') engines.push(config.id);
        });
        if (engines.length === 1) $(select).val(engines[0]).trigger('change');
    }

    /**
     * RED.nodes.registerType with what every Roomwire node shares: palette category and colour,
     * `name`, `engine` and `version` defaults, palette label from its catalogue, the only engine
     * preselected.
     */
    function registerNode(type, definition) {
        var config = definition.category === 'config';
        var defaults = $.extend({ name: { value: '' } }, definition.defaults);
        if (definition.engine !== false) defaults.engine = { value: '', type: 'roomwire-engine', required: true };
        defaults.version = { value: window.RoomwireMigrations ? window.RoomwireMigrations.currentVersion(type) : 1 };
        var prepare = definition.oneditprepare;
        expandRows(type, config);
        RED.nodes.registerType(type, $.extend({}, definition, {
            category: config ? 'config' : 'roomwire',
            color: config ? undefined : COLOR,
            defaults: defaults,
            paletteLabel: definition.paletteLabel || function () { return this._(type + '.paletteLabel'); },
            oneditprepare: function () {
                if (definition.engine !== false && !this.engine) pickOnlyEngine(config ? '#node-config-input-engine' : '#node-input-engine');
                if (prepare) prepare.call(this);
            }
        }));
    }

    window.RoomwireEditor = {
        MODULE: MODULE,
        vocabulary: vocabulary,
        fillChoice: fillChoice,
        channelRef: channelRef,
        wholeNumber: wholeNumber,
        optionalDuration: optionalDuration,
        optionalPositive: optionalPositive,
        channelList: channelList,
        readChannelList: readChannelList,
        channelListRef: channelListRef,
        listOf: listOf,
        participantDefaults: participantDefaults,
        showTarget: showTarget,
        channelIdOf: channelIdOf,
        participantList: participantList,
        readParticipants: readParticipants,
        validParticipants: validParticipants,
        unusedEnginePath: unusedEnginePath,
        takenByAnotherEngine: takenByAnotherEngine,
        registerNode: registerNode,
        common: common
    };
})();
