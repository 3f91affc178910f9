// Versioned configuration of the Roomwire nodes. A node's config without `version` is the format
// flows were saved in before versions existed (version 0); migration n takes version n to n + 1.
// Loaded by the nodes at run time (nodes/lib/migrate.ts) and by the editor (served from this
// module's resources/ folder), so a flow reads the same on both sides.
(function (root, factory) {
    if (typeof module === 'object' && module.exports) {
        module.exports = factory();
    } else {
        root.RoomwireMigrations = factory();
    }
})(typeof self !== 'undefined' ? self : this, function () {
    'use strict';

    function keep(config) {
        return config;
    }

    function commaList(text) {
        return String(text || '').split(',').map(function (item) { return item.trim(); }).filter(Boolean);
    }

    // The participant was named by binding id or msg only; "a channel node and an address" is
    // the other choice now, so older nodes keep reading the participant from their id or msg.
    function participantFromMsg(config) {
        config.target = 'msg';
        config.channel = '';
        config.address = '';
        return config;
    }

    var migrations = {
        'roomwire-engine': [keep],
        'roomwire-channel': [
            // Before type and provider were separate fields, `channelType` named the provider.
            function (config) {
                if (!config.provider) {
                    config.provider = config.channelType === 'flow' ? 'flow' : 'webhook';
                }
                if (!config.channelType) config.channelType = 'webhook';
                return config;
            }
        ],
        'roomwire-send': [
            // The writer was always taken from msg (msg.bindingId, or msg.address with msg.channelId).
            function (config) {
                config.speaker = 'msg';
                config.channel = '';
                config.address = '';
                return config;
            }
        ],
        'roomwire-room': [
            function (config) {
                config.participants = [];
                return config;
            }
        ],
        'roomwire-room-in': [
            // Channels were named by channel id in text; they are references to channel nodes now.
            // Ids no deployed channel node carries stay in `channelIds`, which still applies.
            function (config, findChannel) {
                config.channel = '';
                config.onlyChannel = false;
                if (config.mode === 'participant') {
                    var ref = config.channelId ? findChannel(String(config.channelId).trim()) : undefined;
                    if (ref) {
                        config.channel = ref;
                        config.channelIds = '';
                    } else {
                        config.channelIds = config.channelId || '';
                    }
                } else {
                    var ids = commaList(config.channelIds);
                    var only = ids.length === 1 ? findChannel(ids[0]) : undefined;
                    if (only) {
                        config.channel = only;
                        config.onlyChannel = true;
                        config.channelIds = '';
                    }
                }
                delete config.channelId;
                return config;
            }
        ],
        'roomwire-hook': [
            keep,
            // The channel filter was channel ids in text; it is a list of channel nodes now. Ids no
            // channel node carries stay in `channelIds`, which still applies.
            function (config, findChannel) {
                var refs = [];
                var unknown = [];
                commaList(config.channelIds).forEach(function (id) {
                    var ref = findChannel(id);
                    if (ref) refs.push(ref);
                    else unknown.push(id);
                });
                config.channels = refs;
                config.channelIds = unknown.join(', ');
                return config;
            }
        ],
        'roomwire-hook-return': [keep],
        'roomwire-mute': [keep, participantFromMsg],
        'roomwire-visibility': [keep, participantFromMsg],
        'roomwire-fallback': [
            keep,
            // The channels to fall back to were channel ids in text, in order; they are channel
            // nodes now. Unless every id names one, the text stays as it was (order matters).
            function (config, findChannel) {
                config = participantFromMsg(config);
                var ids = commaList(config.channels);
                var refs = ids.map(function (id) { return findChannel(id); });
                var all = refs.every(Boolean);
                config.channelIds = all ? '' : ids.join(', ');
                config.channels = all ? refs : [];
                return config;
            }
        ],
        'roomwire-transcode': [
            keep,
            // What to transcode for was implied: the channel when one was picked, else the profile,
            // else msg. It is a choice now, so a deleted channel is flagged, not silently replaced.
            function (config) {
                config.target = config.channel ? 'channel' : config.channelType ? 'profile' : 'msg';
                return config;
            }
        ],
        'roomwire-merge-identity': [keep],
        'roomwire-twilio': [keep],
        'roomwire-sinch': [keep],
        'roomwire-ai-model': [keep],
        'roomwire-ai-reply': [keep]
    };

    function currentVersion(type) {
        return (migrations[type] || []).length;
    }

    /** A copy of `config` in today's format; `findChannel(channelId)` names the channel node with that id. */
    function migrate(type, config, findChannel) {
        var steps = migrations[type] || [];
        var version = Number(config.version) || 0;
        var result = Object.assign({}, config);
        for (var next = version; next < steps.length; next++) {
            result = steps[next](result, findChannel || function () { return undefined; });
            result.version = next + 1;
        }
        return result;
    }

    return { migrate: migrate, currentVersion: currentVersion };
});
